// Undoing the cut-over (mapping rule 10 of docs/mapping-rules.md, in reverse): the certificate
// clusters this tool turned off go back on, the KUBE_* variables it set go, and the environments it
// linked get their previous agent back. Each undo re-reads live state and leaves alone what someone
// changed since.
import { UserError } from '../../errors.js';
import { listAgents } from '../../gitlab/agents.js';
import { linkEnvironmentToAgent, listEnvironments } from '../../gitlab/environments.js';
import { explainGitLabError, httpFailure } from '../../gitlab/errors.js';
import { deleteVariable, findVariable } from '../../gitlab/variables.js';
import type { CiVariable } from '../../plan/types.js';
import { variableId } from '../../plan/variables.js';
import { describeVariable } from '../steps/describe.js';
import { projectOf, type RollbackRun } from './run.js';

export async function enableClusters(run: RollbackRun) {
  const { client } = run.ctx;
  for (const d of [...run.ctx.journal.journal.disabledClusters]) {
    const strike = () =>
      run.forget(
        (j) => (j.disabledClusters = j.disabledClusters.filter((x) => x.id !== d.id)),
        (id) => id.endsWith(`/disable-cluster:${d.id}`),
      );
    await run.undo('enable-cluster', `certificate cluster ${d.id}`, async () => {
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
      if (!run.dryRun) {
        // GitLab's PUT defaults namespace_per_environment to true: send the recorded value.
        const npe = d.namespacePerEnvironment;
        await client.clusters.edit(d.level, d.owner, d.id, {
          enabled: true,
          ...(npe != null ? { namespacePerEnvironment: npe } : {}),
        });
        await strike();
      }
      return ['done', run.would(`turn certificate cluster ${d.id} on again`)];
    });
  }
}

export async function deleteVariables(run: RollbackRun) {
  const { client } = run.ctx;
  for (const v of [...run.ctx.journal.journal.variables]) {
    const same = (x: typeof v) =>
      x.level === v.level &&
      x.owner === v.owner &&
      x.key === v.key &&
      x.environmentScope === v.environmentScope;
    const strike = () =>
      run.forget(
        (j) => (j.variables = j.variables.filter((x) => !same(x))),
        (id) => id.endsWith(`/set-variable:${variableId(v as CiVariable)}`),
      );
    await run.undo('delete-variable', describeVariable(v), async () => {
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
      if (!run.dryRun) {
        await deleteVariable(client, v.level, v.owner, v.key, v.environmentScope);
        await strike();
      }
      return ['done', run.would(`delete ${v.key}=${v.value}`)];
    });
  }
}

/** Ids of the plan's agents registered in `project`: the links this tool may undo. */
async function ourAgentIds(run: RollbackRun, project: string): Promise<Set<number>> {
  const names = new Set(
    run.ctx.plan.agents
      .filter((a) => a.project.toLowerCase() === project.toLowerCase())
      .map((a) => a.name),
  );
  const ids = new Set(
    run.ctx.journal.journal.agents
      .filter((a) => projectOf(a.ref).toLowerCase() === project.toLowerCase())
      .map((a) => a.id),
  );
  for (const a of await listAgents(run.ctx.client, project)) if (names.has(a.name)) ids.add(a.id);
  return ids;
}

export async function unlinkEnvironments(run: RollbackRun) {
  const { client } = run.ctx;
  const kept = new Set<string>();
  const projects = [...new Set(run.ctx.journal.journal.environments.map((e) => e.project))];
  for (const project of projects) {
    let live: Awaited<ReturnType<typeof listEnvironments>> | null = null;
    let ours: Set<number> | null = null;
    for (const e of run.ctx.journal.journal.environments.filter((x) => x.project === project)) {
      const strike = () =>
        run.forget(
          (j) =>
            (j.environments = j.environments.filter(
              (x) => !(x.project === project && x.id === e.id),
            )),
        );
      const before = run.outcomes.length;
      await run.undo('unlink-environment', `environment ${e.name} of ${project}`, async () => {
        live ??= await listEnvironments(client, project);
        const env = live.find((x) => x.id === e.id);
        if (!env || env.clusterAgentId === e.previousAgentId) {
          await strike();
          return ['unchanged', env ? 'already as before' : 'the environment no longer exists'];
        }
        ours ??= await ourAgentIds(run, project);
        if (env.clusterAgentId == null || !ours.has(env.clusterAgentId))
          return [
            'left-alone',
            `now linked to ${env.clusterAgentId == null ? 'no agent' : `agent ${env.clusterAgentId}`}: left alone`,
          ];
        const back =
          e.previousAgentId == null ? 'unlink it' : `link agent ${e.previousAgentId} again`;
        if (!run.dryRun) {
          await linkEnvironmentToAgent(client, project, e.id, e.previousAgentId);
          await strike();
        }
        return ['done', run.would(back)];
      });
      if (run.outcomes.slice(before).some((o) => !['done', 'unchanged'].includes(o.status)))
        kept.add(project);
    }
  }
  // Link steps that linked nothing are undone too, unless a link of their project stays.
  const linkStep = /\/link-environment:(.+)$/;
  await run.forget(
    () => {},
    (id) => {
      const project = linkStep.exec(id)?.[1];
      return project != null && !kept.has(project);
    },
  );
}
