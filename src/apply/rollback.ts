// `rollback`: undo the cut-over, exactly as far as the journal says this tool did it, in the reverse
// of mapping rule 10's order: old clusters back on first (so jobs always have a cluster), then the
// KUBE_* variables and environment links; with `uninstall`, agentk and the agents this tool
// registered. Every undo re-reads live state first and leaves alone what someone changed since, and
// every undo is struck from the journal as soon as it is done, so a killed rollback can run again
// and a second one changes nothing. Certificate clusters and projects are never deleted.
import {
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
  type V1ClusterRoleBinding,
} from '@kubernetes/client-node';
import { UserError } from '../errors.js';
import { deleteAgent, getToken, listAgents, revokeToken } from '../gitlab/agents.js';
import type { GitLabClient } from '../gitlab/client.js';
import { linkEnvironmentToAgent, listEnvironments } from '../gitlab/environments.js';
import { explainGitLabError, httpFailure } from '../gitlab/errors.js';
import { deleteVariable, findVariable } from '../gitlab/variables.js';
import { deleteObjects, describeObject } from '../kube/apply.js';
import { callKube, isNotFound } from '../kube/errors.js';
import { agentkObjectNames, renderAgentkManifests } from '../kube/manifests.js';
import type { CiVariable, Plan, PlannedAgent } from '../plan/types.js';
import { variableId } from '../plan/variables.js';
import type { Journal, JournalStore } from './journal.js';
import type { KubeAccess } from './types.js';

export type RollbackKind =
  | 'enable-cluster'
  | 'delete-variable'
  | 'unlink-environment'
  | 'uninstall-agentk'
  | 'delete-agent'
  | 'revoke-token';

/**
 * done: undone (or, in a dry run, would be); unchanged: already undone; left-alone: changed by
 * someone since, so not ours to undo; needs-person: cannot be undone from here; held: not tried
 * because an earlier undo failed; failed: an error.
 */
export type RollbackStatus =
  'done' | 'unchanged' | 'left-alone' | 'needs-person' | 'held' | 'failed';

export interface RollbackOutcome {
  kind: RollbackKind;
  subject: string;
  status: RollbackStatus;
  detail: string;
}

export interface RollbackSettings {
  dryRun: boolean;
  /** also remove agentk and the agents this tool registered */
  uninstall: boolean;
}

export interface RollbackContext {
  client: GitLabClient;
  kube: KubeAccess;
  journal: JournalStore;
  plan: Plan;
  settings: RollbackSettings;
}

/** How many things the journal says rollback would undo, for the confirmation question. */
export function rollbackWork(journal: Journal, uninstall: boolean) {
  return {
    clusters: journal.disabledClusters.length,
    variables: journal.variables.length,
    environments: journal.environments.length,
    installs: uninstall ? journal.installs.length : 0,
    agents: uninstall ? journal.agents.length : 0,
    tokens: uninstall ? journal.tokens.length : 0,
  };
}

const where = (level: string, owner: string | null) =>
  level === 'instance' ? 'the instance' : `${level} ${owner}`;
const projectOf = (ref: string) => ref.slice(0, ref.lastIndexOf(':'));

class Rollback {
  readonly outcomes: RollbackOutcome[] = [];
  private heldBy: string | null = null;
  /** agents whose agentk is gone (or, in a dry run, would be) */
  private readonly uninstalled = new Set<string>();

  constructor(
    private readonly ctx: RollbackContext,
    private readonly onOutcome?: (outcome: RollbackOutcome) => void,
  ) {}

  private get dryRun() {
    return this.ctx.settings.dryRun;
  }

  private would(text: string) {
    return this.dryRun ? `would ${text}` : text;
  }

  /** Strikes an undone change (and the apply steps that made it) from the journal. */
  private async forget(
    change: (j: Journal) => void,
    stepIds: (id: string) => boolean = () => false,
  ) {
    if (this.dryRun) return;
    const before = JSON.stringify(this.ctx.journal.journal);
    const next = structuredClone(this.ctx.journal.journal);
    change(next);
    next.completedSteps = next.completedSteps.filter((id) => !stepIds(id));
    // a re-run that undoes nothing leaves the file as it is
    if (JSON.stringify(next) === before) return;
    await this.ctx.journal.record((j) => Object.assign(j, next));
  }

  /** Runs one undo, reporting it; a failure holds back the later phases. */
  async undo(kind: RollbackKind, subject: string, fn: () => Promise<[RollbackStatus, string]>) {
    let status: RollbackStatus;
    let detail: string;
    if (this.heldBy) [status, detail] = ['held', `held back: ${this.heldBy}`];
    else {
      try {
        [status, detail] = await fn();
      } catch (error) {
        status = 'failed';
        detail =
          error instanceof UserError
            ? `${error.message}${error.hint ? ` ${error.hint}` : ''}`
            : (error as Error).message;
      }
    }
    const outcome = { kind, subject, status, detail };
    this.outcomes.push(outcome);
    this.onOutcome?.(outcome);
  }

  /** Later phases wait for this one: e.g. a variable is only removed once its cluster is back. */
  endPhase(why: string) {
    if (!this.heldBy && this.outcomes.some((o) => o.status === 'failed')) this.heldBy = why;
  }

  async enableClusters() {
    const { client } = this.ctx;
    for (const d of [...this.ctx.journal.journal.disabledClusters]) {
      const strike = () =>
        this.forget(
          (j) => (j.disabledClusters = j.disabledClusters.filter((x) => x.id !== d.id)),
          (id) => id.endsWith(`/disable-cluster:${d.id}`),
        );
      await this.undo('enable-cluster', `certificate cluster ${d.id}`, async () => {
        let enabled: boolean;
        try {
          enabled = (await client.clusters.show(d.level, d.owner, d.id)).enabled !== false;
        } catch (error) {
          // GitLab answers 404 also when this token cannot see the cluster: not proof it is gone.
          if (httpFailure(error)?.status === 404)
            throw new UserError(
              `GitLab shows no certificate cluster ${d.id} (deleted, or this token cannot see it).`,
              {
                hint: `Use a token that can edit it; if it was deleted, take it out of disabledClusters in the journal.`,
              },
            );
          throw explainGitLabError(error, client.url, `reading certificate cluster ${d.id}`);
        }
        if (enabled) {
          await strike();
          return ['unchanged', `cluster ${d.id} is on`];
        }
        if (!this.dryRun) {
          // GitLab's PUT defaults namespace_per_environment to true: send the recorded value.
          const npe = d.namespacePerEnvironment;
          await client.clusters.edit(d.level, d.owner, d.id, {
            enabled: true,
            ...(npe != null ? { namespacePerEnvironment: npe } : {}),
          });
          await strike();
        }
        return ['done', this.would(`turn certificate cluster ${d.id} on again`)];
      });
    }
  }

  async deleteVariables() {
    const { client } = this.ctx;
    for (const v of [...this.ctx.journal.journal.variables]) {
      const subject = `${v.key} on ${where(v.level, v.owner)} (scope ${v.environmentScope})`;
      const same = (x: typeof v) =>
        x.level === v.level &&
        x.owner === v.owner &&
        x.key === v.key &&
        x.environmentScope === v.environmentScope;
      const strike = () =>
        this.forget(
          (j) => (j.variables = j.variables.filter((x) => !same(x))),
          (id) => id.endsWith(`/set-variable:${variableId(v as CiVariable)}`),
        );
      await this.undo('delete-variable', subject, async () => {
        const live = await findVariable(client, v.level, v.owner, v.key, v.environmentScope);
        if (!live) {
          await strike();
          return ['unchanged', `${v.key} is not set`];
        }
        if (live.value !== v.value)
          return [
            'left-alone',
            `${v.key} is now ${live.value == null ? 'a hidden value' : `"${live.value}"`}, not the "${v.value}" this tool set: left alone`,
          ];
        if (!this.dryRun) {
          await deleteVariable(client, v.level, v.owner, v.key, v.environmentScope);
          await strike();
        }
        return ['done', this.would(`delete ${v.key}=${v.value}`)];
      });
    }
  }

  /** Ids of the plan's agents registered in `project`: the links this tool may undo. */
  private async ourAgentIds(project: string): Promise<Set<number>> {
    const names = new Set(
      this.ctx.plan.agents
        .filter((a) => a.project.toLowerCase() === project.toLowerCase())
        .map((a) => a.name),
    );
    const ids = new Set(
      this.ctx.journal.journal.agents
        .filter((a) => projectOf(a.ref).toLowerCase() === project.toLowerCase())
        .map((a) => a.id),
    );
    for (const a of await listAgents(this.ctx.client, project))
      if (names.has(a.name)) ids.add(a.id);
    return ids;
  }

  async unlinkEnvironments() {
    const { client } = this.ctx;
    const kept = new Set<string>();
    const projects = [...new Set(this.ctx.journal.journal.environments.map((e) => e.project))];
    for (const project of projects) {
      let live: Awaited<ReturnType<typeof listEnvironments>> | null = null;
      let ours: Set<number> | null = null;
      for (const e of this.ctx.journal.journal.environments.filter((x) => x.project === project)) {
        const strike = () =>
          this.forget(
            (j) =>
              (j.environments = j.environments.filter(
                (x) => !(x.project === project && x.id === e.id),
              )),
          );
        const before = this.outcomes.length;
        await this.undo('unlink-environment', `environment ${e.name} of ${project}`, async () => {
          live ??= await listEnvironments(client, project);
          const env = live.find((x) => x.id === e.id);
          if (!env || env.clusterAgentId === e.previousAgentId) {
            await strike();
            return ['unchanged', env ? 'already as before' : 'the environment no longer exists'];
          }
          ours ??= await this.ourAgentIds(project);
          if (env.clusterAgentId == null || !ours.has(env.clusterAgentId))
            return [
              'left-alone',
              `now linked to ${env.clusterAgentId == null ? 'no agent' : `agent ${env.clusterAgentId}`}: left alone`,
            ];
          const back =
            e.previousAgentId == null ? 'unlink it' : `link agent ${e.previousAgentId} again`;
          if (!this.dryRun) {
            await linkEnvironmentToAgent(client, project, e.id, e.previousAgentId);
            await strike();
          }
          return ['done', this.would(back)];
        });
        if (this.outcomes.slice(before).some((o) => !['done', 'unchanged'].includes(o.status)))
          kept.add(project);
      }
    }
    // Link steps that linked nothing are undone too, unless a link of their project stays.
    const linkStep = /\/link-environment:(.+)$/;
    await this.forget(
      () => {},
      (id) => {
        const project = linkStep.exec(id)?.[1];
        return project != null && !kept.has(project);
      },
    );
  }

  async uninstallAgentk() {
    for (const install of [...this.ctx.journal.journal.installs]) {
      const agent = this.ctx.plan.agents.find((a) => a.ref === install.ref);
      await this.undo('uninstall-agentk', `agentk of ${install.ref}`, async () => {
        if (!agent)
          return [
            'needs-person',
            `the plan no longer has agent ${install.ref}: delete namespace ${install.namespace} (context ${install.context}) yourself`,
          ];
        const target = this.ctx.kube.targetFor(agent);
        if (!target.ok)
          return [
            'needs-person',
            `${target.problem}; or delete namespace ${install.namespace} (context ${install.context}) yourself`,
          ];
        const present = await presentAgentkObjects(target.kc, agent);
        if (!this.dryRun) {
          if (present.length) await deleteObjects(target.kc, present, { dryRun: false });
          await this.forget(
            (j) => (j.installs = j.installs.filter((x) => x.ref !== install.ref)),
            (id) =>
              id === `${install.ref}/install-agentk` || id === `${install.ref}/wait-connection`,
          );
        }
        this.uninstalled.add(install.ref);
        if (present.length === 0)
          return ['unchanged', `agentk is not installed (context ${target.context})`];
        return [
          'done',
          this.would(
            `delete ${present.map(describeObject).join(', ')} (context ${target.context})`,
          ),
        ];
      });
    }
  }

  async deleteAgents() {
    const { client } = this.ctx;
    for (const a of [...this.ctx.journal.journal.agents]) {
      const project = projectOf(a.ref);
      await this.undo('delete-agent', `agent ${a.ref}`, async () => {
        const exists = (await listAgents(client, project)).some((x) => x.id === a.id);
        if (exists && !this.dryRun) await deleteAgent(client, project, a.id);
        // GitLab deletes the agent's tokens with it.
        await this.forget(
          (j) => {
            j.agents = j.agents.filter((x) => x.ref !== a.ref);
            j.tokens = j.tokens.filter((x) => x.ref !== a.ref);
          },
          (id) => id === `${a.ref}/register-agent` || id === `${a.ref}/create-token`,
        );
        return exists
          ? ['done', this.would(`delete agent ${a.id} and its tokens`)]
          : ['unchanged', `agent ${a.id} no longer exists`];
      });
    }
  }

  /** Tokens this tool made for agents it did not register: agentk is gone, so is their use. */
  async revokeTokens() {
    const { client, journal } = this.ctx;
    for (const t of [...journal.journal.tokens]) {
      // Deleting an agent this tool registered already takes its tokens along.
      if (journal.journal.agents.some((a) => a.ref === t.ref)) continue;
      // agentk still holds this token where it could not be removed.
      const installed = journal.journal.installs.some((i) => i.ref === t.ref);
      if (installed && !this.uninstalled.has(t.ref)) continue;
      const project = projectOf(t.ref);
      const name = t.ref.slice(project.length + 1);
      await this.undo('revoke-token', `token ${t.id} of ${t.ref}`, async () => {
        const agent = (await listAgents(client, project)).find((x) => x.name === name);
        const token = agent ? await getToken(client, project, agent.id, t.id) : null;
        if (token?.status === 'active' && !this.dryRun)
          await revokeToken(client, project, agent!.id, t.id);
        await this.forget((j) => (j.tokens = j.tokens.filter((x) => x.id !== t.id)));
        return token?.status === 'active'
          ? ['done', this.would(`revoke token ${t.id}`)]
          : ['unchanged', `token ${t.id} is not active`];
      });
    }
  }
}

/** agentk's objects of `agent` that exist in the cluster, found by name (and, for the binding, label). */
async function presentAgentkObjects(kc: KubeConfig, agent: PlannedAgent) {
  const names = agentkObjectNames(agent.name);
  // Names only matter here: the KAS address and version do not change them.
  const rendered = renderAgentkManifests({
    agentName: agent.name,
    namespace: agent.namespace,
    kasAddress: 'wss://kas.invalid',
    kasVersion: '0.0.0',
    rbac: { kind: 'cluster-admin' },
  }).filter((o) => o.kind !== 'ClusterRoleBinding');
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: names.secret, namespace: agent.namespace },
  };
  const client = KubernetesObjectApi.makeApiClient(kc);
  // The binding's name carries the bound role (--rbac), which the journal does not keep: find it
  // by the release label and the ServiceAccount it binds.
  const bindings = await callKube(kc, 'list', 'ClusterRoleBindings', () =>
    client.list<V1ClusterRoleBinding>(
      'rbac.authorization.k8s.io/v1',
      'ClusterRoleBinding',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      `app.kubernetes.io/name=gitlab-agent,app.kubernetes.io/instance=${names.release}`,
    ),
  );
  const ours = bindings.items
    .filter((b) =>
      (b.subjects ?? []).some(
        (s) =>
          s.kind === 'ServiceAccount' &&
          s.name === names.fullname &&
          s.namespace === agent.namespace,
      ),
    )
    .map((b) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: b.metadata?.name },
    }));
  const present: KubernetesObject[] = [...ours];
  for (const object of [...rendered, secret]) {
    const found = await callKube(kc, 'read', describeObject(object), async () => {
      try {
        return await client.read(object as KubernetesObject & { metadata: { name: string } });
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
    if (found) present.push(object);
  }
  return present;
}

/**
 * Undoes what the journal records, phase by phase; never throws for one failing undo (it is
 * reported, and holds back the phases after it).
 */
export async function runRollback(
  ctx: RollbackContext,
  onOutcome?: (outcome: RollbackOutcome) => void,
): Promise<RollbackOutcome[]> {
  const run = new Rollback(ctx, onOutcome);
  await run.enableClusters();
  run.endPhase('a certificate cluster could not be turned on again, so jobs still need the agent');
  await run.deleteVariables();
  await run.unlinkEnvironments();
  if (ctx.settings.uninstall) {
    run.endPhase('an earlier undo failed, and jobs may still use the agent');
    await run.uninstallAgentk();
    await run.deleteAgents();
    await run.revokeTokens();
  }
  return run.outcomes;
}
