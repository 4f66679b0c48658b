// Mapping rule 5, the part variables cannot reproduce: the old integration took KUBE_NAMESPACE and
// KUBE_INGRESS_BASE_DOMAIN from the one cluster a job used, while CI/CD variables resolve each key
// on its own. Where the cluster a job used set no fixed namespace (or domain) but a cluster it
// outranked did, that other cluster's value now reaches the job: in a cluster it never belonged to.
import type { InventoryCluster } from '../discovery/types.js';
import type { PlanWarning } from './types.js';
import { scopeMatches } from './variable-precedence.js';

/** exact name over glob over `*`: GitLab's ordering of scopes within one level */
const specificity = (scope: string) => (scope === '*' ? 0 : scope.includes('*') ? 1 : 2);

function scopesOverlap(a: string, b: string): boolean {
  if (a === '*' || b === '*' || a === b) return true;
  const aGlob = a.includes('*');
  const bGlob = b.includes('*');
  if (!aGlob && !bGlob) return false;
  if (!aGlob) return scopeMatches(b, a);
  if (!bGlob) return scopeMatches(a, b);
  const prefix = (s: string) => s.slice(0, s.indexOf('*'));
  return prefix(a).startsWith(prefix(b)) || prefix(b).startsWith(prefix(a));
}

const depth = (c: InventoryCluster) =>
  c.level === 'instance' ? -1 : c.owner!.split('/').length + (c.level === 'project' ? 100 : 0);

const within = (inner: string, outer: string) =>
  inner.toLowerCase() === outer.toLowerCase() ||
  inner.toLowerCase().startsWith(`${outer.toLowerCase()}/`);

/** Does `a` win over `b` for some environment both serve, in the old integration's order? */
function outranks(a: InventoryCluster, b: InventoryCluster): boolean {
  if (!scopesOverlap(a.environmentScope, b.environmentScope)) return false;
  if (b.level !== 'instance' && (a.level === 'instance' || !within(a.owner!, b.owner!)))
    return false;
  if (depth(a) !== depth(b)) return depth(a) > depth(b);
  return specificity(a.environmentScope) > specificity(b.environmentScope);
}

const fixedNamespace = (c: InventoryCluster) => (c.namespace && !c.managed ? c.namespace : null);

/** The old order, best first: deeper owner, then the more specific scope. */
const rank = (a: InventoryCluster, b: InventoryCluster) =>
  depth(b) - depth(a) || specificity(b.environmentScope) - specificity(a.environmentScope);

export function checkVariableLeaks(active: InventoryCluster[]): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  for (const a of active) {
    // Of the clusters `a` outranked, the best one setting a key is the one whose variable wins.
    const below = active.filter((b) => b !== a && outranks(a, b)).sort(rank);
    const leaked: { key: string; value: string; from: InventoryCluster }[] = [];
    const namespaceFrom = fixedNamespace(a) ? undefined : below.find(fixedNamespace);
    if (namespaceFrom)
      leaked.push({
        key: 'KUBE_NAMESPACE',
        value: fixedNamespace(namespaceFrom)!,
        from: namespaceFrom,
      });
    const domainFrom = a.domain ? undefined : below.find((b) => b.domain);
    if (domainFrom)
      leaked.push({ key: 'KUBE_INGRESS_BASE_DOMAIN', value: domainFrom.domain!, from: domainFrom });
    if (leaked.length === 0) continue;
    const where = a.level === 'instance' ? 'the instance' : `${a.level} ${a.owner}`;
    warnings.push({
      code: 'variable-leak',
      clusterId: a.id,
      message: `Jobs that used cluster ${a.id} (${where}, scope ${a.environmentScope}) will also get ${leaked.map((l) => `${l.key}=${l.value} from cluster ${l.from.id}`).join(' and ')}, a cluster it used to take precedence over: set ${leaked.map((l) => l.key).join(' and ')} on ${where} for scope ${a.environmentScope} to the value those jobs expect.`,
    });
  }
  return warnings;
}
