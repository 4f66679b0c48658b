// checkVariableLeaks looks only at the variables an index says can reach a cluster. Checked here
// against the plain definition (every variable, filtered, then the highest rank, first in input
// order on a tie) over seeded random hierarchies: the index must never change a warning.
import { describe, expect, it } from 'vitest';
import type { InventoryCluster } from '../../src/discovery/types.js';
import { checkVariableLeaks, type SourcedVariable } from '../../src/plan/variable-leaks.js';
import { scopeMatches } from '../../src/plan/variable-precedence.js';
import type { CiVariable } from '../../src/plan/types.js';
import { mulberry32, type Random } from '../../src/simulator/seeded-random.js';
import { InventoryBuilder } from './inventory-builder.js';

// --- the plain definition: the mapping rule as first written, O(clusters × variables) ---
const specificity = (scope: string) => (scope === '*' ? 0 : scope.includes('*') ? 1 : 2);
function scopesOverlap(a: string, b: string): boolean {
  if (a === '*' || b === '*' || a === b) return true;
  if (!a.includes('*') && !b.includes('*')) return false;
  if (!a.includes('*')) return scopeMatches(b, a);
  if (!b.includes('*')) return scopeMatches(a, b);
  const prefix = (s: string) => s.slice(0, s.indexOf('*'));
  return prefix(a).startsWith(prefix(b)) || prefix(b).startsWith(prefix(a));
}
const depth = (c: InventoryCluster) =>
  c.level === 'instance' ? -1 : c.owner!.split('/').length + (c.level === 'project' ? 100 : 0);
const within = (inner: string, outer: string) =>
  inner.toLowerCase() === outer.toLowerCase() ||
  inner.toLowerCase().startsWith(`${outer.toLowerCase()}/`);
function outranks(a: InventoryCluster, b: InventoryCluster): boolean {
  if (!scopesOverlap(a.environmentScope, b.environmentScope)) return false;
  if (b.level !== 'instance' && (a.level === 'instance' || !within(a.owner!, b.owner!)))
    return false;
  if (depth(a) !== depth(b)) return depth(a) > depth(b);
  return specificity(a.environmentScope) > specificity(b.environmentScope);
}
const rank = (v: CiVariable) =>
  (v.level === 'instance' ? -1 : v.owner!.split('/').length + (v.level === 'project' ? 100 : 0)) *
    10 +
  specificity(v.environmentScope);
function reaches(v: CiVariable, a: InventoryCluster): boolean {
  if (a.level === 'instance') return false;
  if (v.level === 'instance') return true;
  return within(a.owner!, v.owner!) || (v.level === 'project' && within(v.owner!, a.owner!));
}
function plainLeaks(active: InventoryCluster[], variables: SourcedVariable[]) {
  const byId = new Map(active.map((c) => [c.id, c]));
  const found: { cluster: number; key: string; from: number; value: string }[] = [];
  for (const a of active)
    for (const key of ['KUBE_NAMESPACE', 'KUBE_INGRESS_BASE_DOMAIN']) {
      if (key === 'KUBE_NAMESPACE' ? a.namespace && !a.managed : a.domain) continue;
      const winner = variables
        .filter(({ variable: v, clusterId }) => {
          const s = byId.get(clusterId);
          return (
            v.key === key &&
            s != null &&
            s !== a &&
            reaches(v, a) &&
            scopesOverlap(v.environmentScope, a.environmentScope) &&
            outranks(a, s)
          );
        })
        .sort((x, y) => rank(y.variable) - rank(x.variable))[0];
      if (winner)
        found.push({ cluster: a.id, key, from: winner.clusterId, value: winner.variable.value });
    }
  return found;
}

// --- random worlds ---
const pick = <T>(random: Random, items: readonly T[]) =>
  items[Math.floor(random() * items.length)]!;
const GROUPS = ['Acme', 'acme/Web', 'acme/web/deep', 'acme/ops', 'beta', 'beta/x'];
const PROJECTS = ['acme/app', 'acme/web/site', 'ACME/web/deep/api', 'acme/ops/tool', 'beta/x/svc'];
const SCOPES = ['*', 'production', 'prod*', 'staging', 'review/*', 'review/feature'];

function world(seed: number) {
  const random = mulberry32(seed);
  const builder = new InventoryBuilder();
  for (let i = 0; i < 14; i += 1) {
    const extra: Partial<InventoryCluster> = {
      environmentScope: pick(random, SCOPES),
      namespace: random() < 0.5 ? `ns-${i}` : null,
      managed: random() < 0.3,
      domain: random() < 0.4 ? `d${i}.test` : null,
    };
    const url = `https://k${i % 3}.test`;
    const roll = random();
    if (roll < 0.1) builder.instance(`i${i}`, url, extra);
    else if (roll < 0.5) builder.group(pick(random, GROUPS), `g${i}`, url, extra);
    else builder.project(pick(random, PROJECTS), `p${i}`, url, extra);
  }
  const clusters = builder.build().clusters;
  const variables: SourcedVariable[] = [];
  for (let i = 0; i < 40; i += 1) {
    const source = pick(random, clusters);
    const level = pick(random, ['instance', 'group', 'project'] as const);
    const owner = level === 'instance' ? null : pick(random, level === 'group' ? GROUPS : PROJECTS);
    variables.push({
      clusterId: source.id,
      variable: {
        level,
        owner,
        key: pick(random, ['KUBE_NAMESPACE', 'KUBE_INGRESS_BASE_DOMAIN', 'KUBE_CONTEXT']),
        environmentScope: pick(random, SCOPES),
        value: `v${i}`,
      },
    });
  }
  return { clusters, variables };
}

describe('checkVariableLeaks with its index', () => {
  it('finds what the plain definition finds, in 300 seeded worlds', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const { clusters, variables } = world(seed);
      const got = checkVariableLeaks(clusters, variables).flatMap((w) =>
        [...w.message.matchAll(/(KUBE_\w+)=(\S+) from cluster (\d+)/g)].map((m) => ({
          cluster: w.clusterId!,
          key: m[1]!,
          from: Number(m[3]),
          value: m[2]!,
        })),
      );
      expect(got, `seed ${seed}`).toEqual(plainLeaks(clusters, variables));
    }
  });

  it('the worlds are not trivial: many of them leak', () => {
    const leaking = Array.from({ length: 300 }, (_, i) => world(i + 1)).filter(
      (w) => plainLeaks(w.clusters, w.variables).length > 0,
    );
    expect(leaking.length).toBeGreaterThan(100);
  });
});
