// Everything apply can check before its first write, checked first: flags and paths, the agent
// projects it would create, and — for every agent it will install or whose old cluster it may turn
// off — a kube context that reaches the right cluster, answers, accepts the credentials and lets
// them do what apply needs (SelfSubjectAccessReview, which kube-apiserver answers without changing
// anything). A failure is one line and nothing has been written; apply never gets half-way.
import { AuthorizationV1Api, type V1ResourceAttributes } from '@kubernetes/client-node';
import { access, constants, rm, writeFile } from 'node:fs/promises';
import { makeDirectories } from '../files.js';
import { fsProblem } from '../fs-words.js';
import { dirname, join, resolve } from 'node:path';
import { agentkCollisions } from '../plan/cluster-names.js';
import { UserError } from '../errors.js';
import { callKube } from '../kube/call-kube.js';
import { agentkObjectNames, parseRbacFlag, type RbacChoice } from '../kube/manifests.js';
import { projectPathProblem } from '../plan/project-path.js';
import type { Plan, PlannedAgent, PlanStep } from '../plan/types.js';
import { proveTarget } from './steps/kube-target.js';
import type { ApplySettings, KubeAccess } from './types.js';
import { poolConnections } from '../kube/clients.js';

async function writableDirectory(dir: string, dryRun: boolean): Promise<void> {
  const target = resolve(dir);
  try {
    if (dryRun) {
      // a dry run creates nothing: the closest existing parent must let apply create it later
      let probe = target;
      for (;;) {
        try {
          await access(probe, constants.W_OK);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(probe) === probe)
            throw error;
          probe = dirname(probe);
        }
      }
    }
    await makeDirectories(target);
    const file = join(target, `.migrate-clusters-probe-${process.pid}`);
    await writeFile(file, '');
    await rm(file, { force: true });
  } catch (error) {
    throw new UserError(
      `--out-dir ${dir} cannot be written: ${fsProblem(error, join(target, 'x'))}.`,
      { hint: 'Pick a directory you can write to.' },
    );
  }
}

/** What apply's own objects need in the agent's namespace and cluster-wide. */
function installAttributes(agent: PlannedAgent, rbac: RbacChoice): V1ResourceAttributes[] {
  const namespace = agent.namespace;
  const role = rbac.kind === 'cluster-admin' ? 'cluster-admin' : rbac.name;
  const names = agentkObjectNames(agent.name);
  return [
    { verb: 'create', resource: 'namespaces' },
    { verb: 'create', resource: 'serviceaccounts', namespace },
    { verb: 'create', resource: 'secrets', namespace },
    { verb: 'create', group: 'apps', resource: 'deployments', namespace },
    { verb: 'create', group: 'policy', resource: 'poddisruptionbudgets', namespace },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
    // binding a role needs its permissions or `bind` on it (RBAC's escalation check)
    { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: role },
    { verb: 'get', group: 'apps', resource: 'deployments', namespace, name: names.deployment },
  ];
}

async function kubeProblem(
  kube: KubeAccess,
  agent: PlannedAgent,
  attributes: V1ResourceAttributes[],
): Promise<string | null> {
  const target = await proveTarget(kube, agent);
  if (!target.ok) return target.problem;
  const api = poolConnections(target.kc).makeApiClient(AuthorizationV1Api);
  try {
    for (const attrs of attributes) {
      const review = await callKube(target.kc, 'check', 'what it may do', () =>
        api.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attrs } } }),
      );
      if (!review.status?.allowed) {
        const what = `${attrs.verb} ${attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource}${attrs.name ? ` ${attrs.name}` : ''}${attrs.namespace ? ` in ${attrs.namespace}` : ''}`;
        return `context "${target.context}" may not ${what} (${target.server}): apply needs it to install agentk`;
      }
    }
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  return null;
}

export interface PreflightInput {
  plan: Plan;
  agents: PlannedAgent[];
  settings: ApplySettings;
  kube: KubeAccess;
  /** agents whose agentk an earlier run installed (the journal's installs) */
  installed?: ReadonlySet<string>;
}

export async function preflight(input: PreflightInput): Promise<void> {
  const { plan, agents, settings, kube } = input;
  const rbac = parseRbacFlag(settings.rbac);
  if (settings.outDir && (settings.configVia === 'files' || settings.install === 'manifests'))
    await writableDirectory(settings.outDir, settings.dryRun);
  const steps = (agent: PlannedAgent) => plan.steps.filter((s) => s.agent === agent.ref);
  for (const agent of agents) {
    if (!steps(agent).some((s) => s.kind === 'create-project')) continue;
    const problem = projectPathProblem(agent.project);
    if (problem)
      throw new UserError(`Cannot create the agent project: ${problem}.`, {
        hint: 'Plan again with a valid --agent-project-name or --agent-project ROOT=PATH.',
      });
  }
  if (settings.install === 'apply')
    refuseSharedObjects(plan, agents, steps, input.installed ?? new Set());
  // The clusters apply will write to (agentk), or read (before one is turned off).
  const checks = agents.flatMap((agent) => {
    const kinds = new Set(steps(agent).map((s) => s.kind));
    if (settings.install === 'apply' && (kinds.has('install-agentk') || kinds.has('create-token')))
      return [{ agent, attributes: installAttributes(agent, rbac) }];
    if (settings.disableOldClusters && kinds.has('disable-cluster'))
      return [
        {
          agent,
          attributes: [
            { verb: 'get', group: 'apps', resource: 'deployments', namespace: agent.namespace },
          ],
        },
      ];
    return [];
  });
  const problems: string[] = [];
  for (const { agent, attributes } of checks) {
    const problem = await kubeProblem(kube, agent, attributes);
    if (problem) problems.push(`${agent.ref}: ${problem}`);
  }
  if (problems.length)
    throw new UserError(
      `Nothing was changed: ${problems.length === 1 ? 'an agent' : `${problems.length} agents`} cannot be installed or checked — ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}.`,
      {
        hint: 'Fix the kubeconfig (or --context-for / --same-cluster), leave those agents out with --only, or install agentk yourself with --install manifests|none.',
      },
    );
}

/**
 * Agents on one cluster whose agentk would share objects (plan warns: agentk-name-collision) are
 * never installed side by side: the second would take over the first's token Secret. Installing
 * one of them is refused when another is installed with it, or is there already (the journal
 * says so, or its plan has no install step left); one alone (apply --only) goes ahead.
 */
function refuseSharedObjects(
  plan: Plan,
  selected: PlannedAgent[],
  steps: (agent: PlannedAgent) => PlanStep[],
  installed: ReadonlySet<string>,
): void {
  const chosen = new Set(selected.map((a) => a.ref));
  const installs = (a: PlannedAgent) =>
    chosen.has(a.ref) && steps(a).some((s) => s.kind === 'install-agentk');
  const there = (a: PlannedAgent) =>
    installed.has(a.ref) || !steps(a).some((s) => s.kind === 'install-agentk');
  for (const clash of agentkCollisions(plan.agents)) {
    const installing = clash.agents.filter(installs);
    const others = clash.agents.filter((a) => !installing.includes(a) && there(a));
    if (installing.length === 0 || installing.length + others.length < 2) continue;
    const refs = [...installing, ...others].map((a) => a.ref);
    throw new UserError(
      `Agents ${refs.join(' and ')} would share agentk objects on ${clash.agents[0]!.apiUrl} (${clash.objects.slice(0, 3).join(', ')}): installing them side by side would let one take over the other's token Secret.`,
      {
        hint: `Rename all but one (the migrate wizard can) and plan again, or apply one at a time: apply --only ${installing[0]!.ref}.`,
      },
    );
  }
}
