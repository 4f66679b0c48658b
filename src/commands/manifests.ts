// `migrate-clusters manifests`: print one planned agent's agentk objects as YAML, without the token
// Secret (for review, or for GitOps). Discovers and plans like `plan`; changes nothing.
import { ExitCode, UserError } from '../errors.js';
import { kasFromMetadata } from '../kube/kas.js';
import {
  agentkObjectNames,
  manifestsToYaml,
  parseRbacFlag,
  renderAgentkManifests,
} from '../kube/manifests.js';
import { createOutput } from '../output.js';
import { computePlan } from '../live-state/compute-plan.js';
import { refuseUnknownPlanChoices } from '../flag-values.js';
import type { PlannedAgent } from '../plan/types.js';
import { withDiscovery } from '../with-discovery.js';
import type { ManifestsOptions } from './options/manifests.js';

const MAX_LISTED = 15;

function listRefs(refs: string[]): string {
  const shown = refs.slice(0, MAX_LISTED).join(', ');
  return refs.length > MAX_LISTED ? `${shown} and ${refs.length - MAX_LISTED} more` : shown;
}

/** The planned agent a `--agent` value names: its full ref, or its bare name when unique. */
export function findPlannedAgent(agents: PlannedAgent[], wanted: string): PlannedAgent {
  const exact = agents.find((agent) => agent.ref === wanted);
  if (exact) return exact;
  const refs = agents.map((agent) => agent.ref).sort();
  if (refs.length === 0) {
    throw new UserError(`No agent "${wanted}": the plan has no agents to install.`, {
      hint: 'migrate-clusters plan shows why (no certificate clusters to migrate in scope?).',
    });
  }
  const byName = agents.filter((agent) => !wanted.includes(':') && agent.name === wanted);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new UserError(`The agent name "${wanted}" is ambiguous.`, {
      hint: `Pass the full ref: ${listRefs(byName.map((agent) => agent.ref).sort())}.`,
    });
  }
  throw new UserError(`The plan has no agent "${wanted}".`, {
    hint: `Planned agents (--agent PROJECT_PATH:NAME): ${listRefs(refs)}.`,
  });
}

export async function runManifests(options: ManifestsOptions): Promise<ExitCode> {
  const out = createOutput(options.output);
  // Bad flags fail before any GitLab request.
  const rbac = parseRbacFlag(options.rbac);
  return withDiscovery(
    options.connection,
    out,
    { groups: options.groups },
    async (inventory, connection) => {
      const plan = await computePlan(connection.client, inventory, options.plan);
      refuseUnknownPlanChoices(options.plan, { clusters: inventory.clusters, agents: plan.agents });
      const agent = findPlannedAgent(plan.agents, options.agent);
      const kas = kasFromMetadata((await connection.client.metadata()).kas, connection.url);
      const objects = renderAgentkManifests({
        agentName: agent.name,
        namespace: agent.namespace,
        kasAddress: kas.address,
        kasVersion: kas.version,
        rbac,
      });
      out.result(manifestsToYaml(objects).trimEnd());
      const secret = agentkObjectNames(agent.name).secret;
      out.info(
        `The token Secret is left out: agentk reads it from ${agent.namespace}/${secret} (key "token"). ` +
          `Create it from the agent's token, e.g. kubectl create secret generic ${secret} -n ${agent.namespace} --from-file=token=FILE`,
      );
      return ExitCode.ok;
    },
  );
}
