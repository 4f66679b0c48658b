// The kube context an agent's steps use, and proof that it reaches the agent's certificate
// cluster before anything is written there. A context whose server and CA are the cluster's is
// proof; a context chosen by hand (--context-for, the wizard) that points elsewhere is not: it
// may be another cluster, and installing agentk there and then turning the old cluster off
// would send every deployment to the wrong place. Such a context is used only once kube-system
// read through it and through the cluster's own API URL is the same namespace, or when the user
// vouches for it (--same-cluster).
import { sameCluster } from '../../kube/cluster-identity.js';
import type { AgentRun, ApplyContext, KubeTarget } from '../types.js';

export function target(run: AgentRun, ctx: ApplyContext): KubeTarget {
  run.target ??= ctx.kube.targetFor(run.agent);
  return run.target;
}

/** The target once it is known to reach the agent's cluster; otherwise why not (once per run). */
export async function provenTarget(run: AgentRun, ctx: ApplyContext): Promise<KubeTarget> {
  const t = target(run, ctx);
  if (!t.ok || t.sameCluster !== 'unproven') return t;
  const { agent } = run;
  const reference = ctx.kube.viaApiUrl(agent, t.context);
  const verdict = reference
    ? await sameCluster(t.kc, reference)
    : { same: false as const, reason: 'the kubeconfig cannot be read again' };
  if (verdict.same) {
    run.target = { ...t, sameCluster: 'identity' };
    return run.target;
  }
  const id = agent.clusterIds[0];
  run.target = {
    ok: false,
    problem: `kube context "${t.context}" reaches ${t.server}, not ${agent.apiUrl} (certificate cluster ${agent.clusterIds.join(', ')}), and ${verdict.reason}: choose that cluster's context with --context-for ${id}=CONTEXT, or pass --same-cluster ${id} if it is the same cluster behind another address`,
  };
  return run.target;
}
