// Which kube context installs each agent: the plan's choice (--context-for at plan time), else the
// kubeconfig context whose server and CA match the certificate cluster. The kubeconfig is only read
// when an agent needs it, and each context gets its own KubeConfig.
import type { KubeConfig } from '@kubernetes/client-node';
import { normaliseApiUrl } from '../discovery/api-url.js';
import { UserError } from '../errors.js';
import { kubeConfigForContext, loadKubeconfig, type LoadedKubeconfig } from '../kube/kubeconfig.js';
import { matchContexts, type ClusterToMatch } from '../kube/match-context.js';
import type { PlannedAgent } from '../plan/types.js';
import type { KubeAccess, KubeTarget } from './types.js';

export interface KubeAccessOptions {
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  /** --context-for CLUSTER_ID=CONTEXT given to apply */
  overrides: Record<number, string>;
  /** the certificate clusters as GitLab reports them now (API URL and CA) */
  clusters: ClusterToMatch[];
  /** the demo only: normalised API URL → local Kubernetes simulator */
  serverOverrides?: Map<string, string>;
}

export function createKubeAccess(options: KubeAccessOptions): KubeAccess {
  let loaded: LoadedKubeconfig | null = null;
  let loadProblem: string | null = null;
  const configs = new Map<string, KubeConfig>();
  const load = () => {
    if (loaded || loadProblem) return loaded;
    try {
      loaded = loadKubeconfig({
        ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
        env: options.env ?? process.env,
      });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      loadProblem = `${error.message}${error.hint ? ` ${error.hint}` : ''}`;
    }
    return loaded;
  };

  const targetFor = (agent: PlannedAgent): KubeTarget => {
    const kubeconfig = load();
    if (!kubeconfig) return { ok: false, problem: loadProblem ?? 'no kubeconfig' };
    const byId = new Map(options.clusters.map((c) => [c.id, c]));
    const clusters = agent.clusterIds.map(
      (id) => byId.get(id) ?? { id, apiUrl: agent.apiUrl, caCert: null },
    );
    const overrides: Record<number, string> = { ...options.overrides };
    if (agent.kubeContext) for (const c of clusters) overrides[c.id] ??= agent.kubeContext;
    let matches;
    try {
      matches = matchContexts(clusters, kubeconfig, overrides);
    } catch (error) {
      if (error instanceof UserError) return { ok: false, problem: error.message };
      throw error;
    }
    const chosen = matches.find((m) => m.context != null);
    const ids = agent.clusterIds.join(', ');
    if (!chosen) {
      const candidates = [...new Set(matches.flatMap((m) => m.candidates))];
      const reason = matches[0]?.reason;
      const problem =
        reason === 'ambiguous'
          ? `several kube contexts reach ${agent.apiUrl} (${candidates.join(', ')}): choose one with --context-for ${agent.clusterIds[0]}=CONTEXT`
          : reason === 'ca-mismatch'
            ? `the kube contexts for ${agent.apiUrl} (${candidates.join(', ')}) trust another CA than GitLab has for cluster ${ids}: check it is the same cluster, then pass --context-for ${agent.clusterIds[0]}=CONTEXT`
            : `no kube context reaches ${agent.apiUrl} (cluster ${ids}): add one to your kubeconfig or pass --context-for ${agent.clusterIds[0]}=CONTEXT`;
      return { ok: false, problem };
    }
    const context = chosen.context!;
    let kc = configs.get(context);
    if (!kc) {
      const server = options.serverOverrides?.get(normaliseApiUrl(agent.apiUrl));
      try {
        kc = kubeConfigForContext(kubeconfig, context, server ? { serverOverride: server } : {});
      } catch (error) {
        if (error instanceof UserError) return { ok: false, problem: error.message };
        throw error;
      }
      configs.set(context, kc);
    }
    return { ok: true, context, kc };
  };
  return { targetFor };
}
