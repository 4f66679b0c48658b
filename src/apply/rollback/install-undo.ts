// Undoing the install (`rollback --uninstall`): agentk leaves the clusters this tool installed it
// in, the agents this tool registered are deleted (their tokens with them), and the tokens it made
// for agents it did not register are revoked once no agentk of ours holds them.
import { deleteAgent, getToken, listAgents, revokeToken } from '../../gitlab/agents.js';
import { deleteObjects, describeObject } from '../../kube/apply.js';
import { findAgentkObjects } from '../../kube/find-agentk.js';
import { proveTarget } from '../steps/kube-target.js';
import { projectOf, type RollbackRun } from './run.js';

/** Uninstalls agentk; returns the agent refs whose agentk is gone (or, in a dry run, would be). */
export async function uninstallAgentk(run: RollbackRun): Promise<Set<string>> {
  const uninstalled = new Set<string>();
  for (const install of [...run.ctx.journal.journal.installs]) {
    const agent = run.ctx.plan.agents.find((a) => a.ref === install.ref);
    await run.undo('uninstall-agentk', `agentk of ${install.ref}`, async () => {
      if (!agent)
        return [
          'needs-person',
          `the plan no longer has agent ${install.ref}: delete namespace ${install.namespace} (context ${install.context}) yourself`,
        ];
      // The context apply installed it with is where it is; any other must prove it is that cluster.
      const chosen = run.ctx.kube.targetFor(agent);
      const target =
        chosen.ok && chosen.context === install.context
          ? chosen
          : await proveTarget(run.ctx.kube, agent, chosen);
      if (!target.ok)
        return [
          'needs-person',
          `${target.problem}; or delete namespace ${install.namespace} (context ${install.context}) yourself`,
        ];
      const present = await findAgentkObjects(target.kc, agent);
      if (!run.dryRun) {
        if (present.length) await deleteObjects(target.kc, present, { dryRun: false });
        await run.forget(
          (j) => (j.installs = j.installs.filter((x) => x.ref !== install.ref)),
          (id) => id === `${install.ref}/install-agentk` || id === `${install.ref}/wait-connection`,
        );
      }
      uninstalled.add(install.ref);
      if (present.length === 0)
        return ['unchanged', `agentk is not installed (context ${target.context})`];
      return [
        'done',
        run.would(`delete ${present.map(describeObject).join(', ')} (context ${target.context})`),
      ];
    });
  }
  return uninstalled;
}

export async function deleteAgents(run: RollbackRun) {
  const { client } = run.ctx;
  for (const a of [...run.ctx.journal.journal.agents]) {
    const project = projectOf(a.ref);
    await run.undo('delete-agent', `agent ${a.ref}`, async () => {
      const exists = (await listAgents(client, project)).some((x) => x.id === a.id);
      if (exists && !run.dryRun) await deleteAgent(client, project, a.id);
      // GitLab deletes the agent's tokens with it.
      await run.forget(
        (j) => {
          j.agents = j.agents.filter((x) => x.ref !== a.ref);
          j.tokens = j.tokens.filter((x) => x.ref !== a.ref);
        },
        (id) => id === `${a.ref}/register-agent` || id === `${a.ref}/create-token`,
      );
      return exists
        ? ['done', run.would(`delete agent ${a.id} and its tokens`)]
        : ['unchanged', `agent ${a.id} no longer exists`];
    });
  }
}

/**
 * Tokens this tool made for agents it did not register: agentk is gone, so is their use.
 * `uninstalled`: the refs uninstallAgentk removed agentk of.
 */
export async function revokeTokens(run: RollbackRun, uninstalled: ReadonlySet<string>) {
  const { client, journal } = run.ctx;
  for (const t of [...journal.journal.tokens]) {
    // Deleting an agent this tool registered already takes its tokens along.
    if (journal.journal.agents.some((a) => a.ref === t.ref)) continue;
    // agentk still holds this token where it could not be removed.
    const installed = journal.journal.installs.some((i) => i.ref === t.ref);
    if (installed && !uninstalled.has(t.ref)) continue;
    const project = projectOf(t.ref);
    const name = t.ref.slice(project.length + 1);
    await run.undo('revoke-token', `token ${t.id} of ${t.ref}`, async () => {
      const agent = (await listAgents(client, project)).find((x) => x.name === name);
      const token = agent ? await getToken(client, project, agent.id, t.id) : null;
      if (token?.status === 'active' && !run.dryRun)
        await revokeToken(client, project, agent!.id, t.id);
      await run.forget((j) => (j.tokens = j.tokens.filter((x) => x.id !== t.id)));
      return token?.status === 'active'
        ? ['done', run.would(`revoke token ${t.id}`)]
        : ['unchanged', `token ${t.id} is not active`];
    });
  }
}
