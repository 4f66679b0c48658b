// The kube context an agent's steps use, and proof that it reaches the agent's certificate
// cluster before anything is written there. A context whose server and CA are the cluster's is
// proof; a context chosen by hand (--context-for, the wizard) that points elsewhere is not: it
// may be another cluster, and installing agentk there and then turning the old cluster off
// would send every deployment to the wrong place. Such a context is used only once kube-system
// read through it and through the cluster's own API URL is the same namespace, or when the user
// vouches for it (--same-cluster).
import { sameCluster } from '../../kube/cluster-identity.js';
import type { PlannedAgent } from '../../plan/types.js';
import type { AgentRun, ApplyContext, KubeAccess, KubeTarget } from '../types.js';

export function target(run: AgentRun, ctx: ApplyContext): KubeTarget {
  run.target ??= ctx.kube.targetFor(run.agent);
  return run.target;
}

/** `t` once it is known to reach the agent's cluster; otherwise why not. */
export async function proveTarget(
  kube: KubeAccess,
  agent: PlannedAgent,
  t: KubeTarget = kube.targetFor(agent),
): Promise<KubeTarget> {
  if (!t.ok || t.sameCluster !== 'unproven') return t;
  const reference = kube.viaApiUrl(agent, t.context);
  const verdict = reference
    ? await sameCluster(t.kc, reference)
    : { same: false as const, reason: 'the kubeconfig cannot be read again' };
  if (verdict.same) return { ...t, sameCluster: 'identity' };
  const id = agent.clusterIds[0];
  return {
    ok: false,
    problem: `kube context "${t.context}" reaches ${t.server}, not ${agent.apiUrl} (certificate cluster ${agent.clusterIds.join(', ')}), and ${verdict.reason}: choose that cluster's context with --context-for ${id}=CONTEXT, or pass --same-cluster ${id} if it is the same cluster behind another address`,
  };
}

/** The run's target, proven once per run. */
export async function provenTarget(run: AgentRun, ctx: ApplyContext): Promise<KubeTarget> {
  run.target = await proveTarget(ctx.kube, run.agent, target(run, ctx));
  return run.target;
}
