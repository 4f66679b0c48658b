// Mapping rule 5 (docs/mapping-rules.md), the part variables cannot reproduce: the old integration took KUBE_NAMESPACE and
// KUBE_INGRESS_BASE_DOMAIN from the one cluster a job used, while CI/CD variables resolve each key
// on its own. Where the cluster a job used set no fixed namespace (or domain) but a cluster it
// outranked did, that other cluster's value now reaches the job: in a cluster it never belonged to.
import type { InventoryCluster } from '../discovery/types.js';
import type { CiVariable, PlanWarning } from './types.js';
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

/** Variables of one level resolve by owner depth, then scope: the one a job would get first. */
const variableRank = (v: CiVariable) =>
  (v.level === 'instance' ? -1 : v.owner!.split('/').length + (v.level === 'project' ? 100 : 0)) *
    10 +
  specificity(v.environmentScope);

/** Whether jobs that used cluster `a` can see variable `v` at all. */
function reaches(v: CiVariable, a: InventoryCluster): boolean {
  if (a.level === 'instance') return false; // its jobs are everywhere; not worth guessing
  if (v.level === 'instance') return true;
  return within(a.owner!, v.owner!) || (v.level === 'project' && within(v.owner!, a.owner!));
}

export interface SourcedVariable {
  variable: CiVariable;
  /** the certificate cluster it reproduces */
  clusterId: number;
}

/**
 * The variables of one key, indexed by where they are set, so each cluster looks only at those that
 * can reach its jobs: instance ones, those on its owner's ancestors (a walk up the path) and
 * project ones below its owner (a range of the sorted paths). Each keeps its position in the
 * input: equal ranks are settled by it, as a stable sort of the whole list would.
 */
class VariablesOfKey {
  private readonly instance: number[] = [];
  private readonly byOwner = new Map<string, number[]>();
  private readonly projects: { owner: string; index: number }[] = [];

  constructor(variables: SourcedVariable[], key: string) {
    variables.forEach(({ variable: v }, index) => {
      if (v.key !== key) return;
      if (v.level === 'instance') return void this.instance.push(index);
      const owner = v.owner!.toLowerCase();
      if (this.byOwner.has(owner)) this.byOwner.get(owner)!.push(index);
      else this.byOwner.set(owner, [index]);
      if (v.level === 'project') this.projects.push({ owner, index });
    });
    this.projects.sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  }

  /** Every variable `reaches` could accept for a cluster owned by `owner` (a superset). */
  candidates(owner: string): number[] {
    const found = new Set(this.instance);
    const path = owner.toLowerCase();
    const segments = path.split('/');
    for (let i = 1; i <= segments.length; i += 1)
      for (const index of this.byOwner.get(segments.slice(0, i).join('/')) ?? []) found.add(index);
    const prefix = `${path}/`;
    for (let i = this.firstAtOrAfter(prefix); i < this.projects.length; i += 1) {
      if (!this.projects[i]!.owner.startsWith(prefix)) break;
      found.add(this.projects[i]!.index);
    }
    return [...found].sort((a, b) => a - b);
  }

  private firstAtOrAfter(value: string): number {
    let [low, high] = [0, this.projects.length];
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.projects[mid]!.owner < value) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Checked against the variables the plan really sets, so dropped or shadowed ones do not count. */
export function checkVariableLeaks(
  active: InventoryCluster[],
  variables: SourcedVariable[],
): PlanWarning[] {
  const byId = new Map(active.map((c) => [c.id, c]));
  const keys = ['KUBE_NAMESPACE', 'KUBE_INGRESS_BASE_DOMAIN'] as const;
  const indexes = new Map(keys.map((key) => [key, new VariablesOfKey(variables, key)]));
  const warnings: PlanWarning[] = [];
  for (const a of active) {
    const leaked: { key: string; value: string; from: number }[] = [];
    // instance clusters' jobs are everywhere: `reaches` never guesses for them
    if (a.level === 'instance') continue;
    for (const key of keys) {
      if (key === 'KUBE_NAMESPACE' ? fixedNamespace(a) : a.domain) continue;
      let winner: SourcedVariable | null = null;
      for (const index of indexes.get(key)!.candidates(a.owner!)) {
        const candidate = variables[index]!;
        const { variable: v, clusterId } = candidate;
        const source = byId.get(clusterId);
        if (
          source == null ||
          source === a ||
          !reaches(v, a) ||
          !scopesOverlap(v.environmentScope, a.environmentScope) ||
          !outranks(a, source)
        )
          continue;
        // the first of the highest rank, in input order
        if (winner == null || variableRank(v) > variableRank(winner.variable)) winner = candidate;
      }
      if (winner) leaked.push({ key, value: winner.variable.value, from: winner.clusterId });
    }
    if (leaked.length === 0) continue;
    const where = `${a.level} ${a.owner}`;
    warnings.push({
      code: 'variable-leak',
      clusterId: a.id,
      message: `Jobs that used cluster ${a.id} (${where}, scope ${a.environmentScope}) will also get ${leaked.map((l) => `${l.key}=${l.value} from cluster ${l.from}`).join(' and ')}, a cluster it used to take precedence over: set ${leaked.map((l) => l.key).join(' and ')} on ${where} for scope ${a.environmentScope} to the value those jobs expect.`,
    });
  }
  return warnings;
}
