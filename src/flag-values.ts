// Values of repeatable KEY=VALUE and id flags, shared by every command that takes them, so each
// is parsed (and refused with one clear line) the same way everywhere.
import { UserError } from './errors.js';

const EXAMPLES: Record<string, string> = {
  '--context-for': '--context-for 12=prod-context',
  '--agent-project': '--agent-project payments=payments/platform/agents',
};

/** `KEY=VALUE` flags (--agent-project ROOT=PATH, --context-for ID=CONTEXT). */
export function parsePairs(flag: string, values: string[] = []): [string, string][] {
  return values.map((value) => {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1) {
      throw new UserError(`${flag} expects KEY=VALUE, got "${value}".`, {
        hint: `For example ${EXAMPLES[flag] ?? `${flag} KEY=VALUE`}`,
      });
    }
    return [value.slice(0, at), value.slice(at + 1)];
  });
}

const clusterId = (flag: string, id: string) => {
  if (!/^\d+$/.test(id))
    throw new UserError(`${flag} needs a certificate cluster id, got "${id}".`, {
      hint: 'Cluster ids are listed by `migrate-clusters inventory`.',
    });
  return Number(id);
};

/** --context-for CLUSTER_ID=CONTEXT (repeatable). */
export function parseContextFor(values: string[] | undefined): Record<number, string> {
  return Object.fromEntries(
    parsePairs('--context-for', values).map(([id, context]) => {
      if (!/^\d+$/.test(id))
        throw new UserError(`--context-for needs a cluster id before "=", got "${id}".`, {
          hint: 'Cluster ids are listed by `migrate-clusters inventory`.',
        });
      return [Number(id), context];
    }),
  );
}

/** --same-cluster ID (repeatable). */
export function parseSameCluster(values: string[] | undefined): number[] {
  return (values ?? []).map((id) => clusterId('--same-cluster', id));
}

/**
 * Refuses cluster ids a flag names that are not among `known` (a typo would otherwise be ignored
 * and the cluster matched by address after all).
 */
export function refuseUnknownIds(flag: string, ids: number[], known: number[]): void {
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length === 0) return;
  const list = [...new Set(known)].sort((a, b) => a - b);
  throw new UserError(
    `${flag} ${unknown.join(', ')}: no certificate cluster ${unknown.length === 1 ? 'has that id' : 'has those ids'} here.`,
    {
      hint:
        list.length > 0
          ? `The ids here are ${list.slice(0, 20).join(', ')}${list.length > 20 ? `, … (${list.length} in all)` : ''}: \`migrate-clusters inventory\` lists them.`
          : 'There is no certificate cluster here to name.',
    },
  );
}

/**
 * Refuses --agent-project roots that no agent of the plan has: a misspelt group would otherwise be
 * ignored and its agents put in the default project.
 */
function refuseUnknownRoots(
  agentProjects: Record<string, string>,
  agents: readonly { rootNamespace: string }[],
): void {
  const roots = [...new Set(agents.map((a) => a.rootNamespace))].sort();
  const unknown = Object.keys(agentProjects).filter((root) => !roots.includes(root));
  if (unknown.length === 0) return;
  throw new UserError(
    `--agent-project ${unknown.join(', ')}: no agent of this plan is under ${unknown.length === 1 ? 'that group' : 'those groups'}.`,
    {
      hint:
        roots.length > 0
          ? `ROOT is a top-level group with agents: ${roots.slice(0, 20).join(', ')}${roots.length > 20 ? ', …' : ''}.`
          : 'This plan has no agents to place.',
    },
  );
}

/**
 * The plan-time choices that name clusters and groups, checked against what was found: a typo
 * would otherwise be ignored. Only for choices flags gave: a plan re-made from a plan file
 * (apply --refresh) keeps its recorded ones, whatever changed since.
 */
export function refuseUnknownPlanChoices(
  choices: { contextFor: Record<number, string>; agentProjects: Record<string, string> },
  found: { clusters: readonly { id: number }[]; agents: readonly { rootNamespace: string }[] },
): void {
  refuseUnknownIds(
    '--context-for',
    Object.keys(choices.contextFor).map(Number),
    found.clusters.map((c) => c.id),
  );
  refuseUnknownRoots(choices.agentProjects, found.agents);
}
