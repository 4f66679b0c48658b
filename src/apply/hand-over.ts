// What a person must do after `apply --install manifests|none`: this tool registered the agents
// and committed their configuration, but hands no token to anyone but agentk itself, so the
// token, the install and the re-run that finishes the job (variables, environments, cut-over)
// are theirs. Said per agent, with the names the objects must have.
import { agentkObjectNames } from '../kube/manifests.js';
import type { PlannedAgent } from '../plan/types.js';
import type { StepOutcome } from './run-apply.js';
import { manifestPath } from './steps/agentk-steps.js';
import type { ApplySettings, KubeAccess } from './types.js';

export interface HandOverItem {
  agent: string;
  namespace: string;
  /** the Secret agentk reads its token from (key `token`) */
  secret: string;
  /** the kube context that reaches the agent's cluster, where one is proven */
  context: string | null;
  /** --install manifests: the file written */
  manifest: string | null;
  connected: boolean;
}

/** The agents whose agentk a person installs, and whether they are connected yet. */
export function handOverItems(
  agents: PlannedAgent[],
  outcomes: StepOutcome[],
  settings: ApplySettings,
  kube: KubeAccess,
): HandOverItem[] {
  if (settings.install === 'apply' || settings.dryRun) return [];
  return agents.flatMap((agent) => {
    const mine = outcomes.filter((o) => o.step.agent === agent.ref);
    const wait = mine.find((o) => o.step.kind === 'wait-connection');
    if (!wait) return [];
    const install = mine.find((o) => o.step.kind === 'install-agentk');
    const written = settings.install === 'manifests' && install?.result.status === 'done';
    const target = kube.targetFor(agent);
    return [
      {
        agent: agent.ref,
        namespace: agent.namespace,
        secret: agentkObjectNames(agent.name).secret,
        context: target.ok ? target.context : null,
        manifest: written ? manifestPath(settings, agent) : null,
        connected: wait.result.status === 'unchanged',
      },
    ];
  });
}

export function renderHandOver(items: HandOverItem[], rerun: string): string[] {
  const todo = items.filter((i) => !i.connected);
  if (todo.length === 0) return [];
  const lines = ['', `To finish: agentk is yours to install for ${todo.length} agent(s).`];
  for (const item of todo) {
    const ctx = item.context ? ` --context ${item.context}` : '';
    lines.push(
      `  ${item.agent}:`,
      `    1. create a token for the agent in GitLab (Operate > Kubernetes clusters), then`,
      `       kubectl${ctx} -n ${item.namespace} create secret generic ${item.secret} --from-literal=token=<the token>`,
      item.manifest
        ? `    2. kubectl${ctx} apply --server-side -f ${item.manifest}`
        : `    2. install agentk in namespace ${item.namespace} (the Helm chart, or: migrate-clusters manifests --agent ${item.agent})`,
    );
  }
  lines.push(
    `  Then run ${rerun} again: it sees the agents connect, sets the variables and links the environments.`,
  );
  return lines;
}
