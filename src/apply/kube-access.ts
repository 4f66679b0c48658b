// Which kube context installs each agent: the plan's choice (--context-for at plan time), else the
// kubeconfig context whose server and CA match the certificate cluster. The kubeconfig is only read
// when an agent needs it, and each context gets its own KubeConfig.
import type { KubeConfig } from '@kubernetes/client-node';
import { normaliseApiUrl } from '../discovery/api-url.js';
import { UserError } from '../errors.js';
import { refuseUnknownIds } from '../flag-values.js';
import { kubeConfigForContext, loadKubeconfig, type LoadedKubeconfig } from '../kube/kubeconfig.js';
import { matchContexts, type ClusterToMatch, type ContextMatch } from '../kube/match-context.js';
import type { PlannedAgent } from '../plan/types.js';
import type { KubeAccess, KubeTarget, SameCluster } from './types.js';

export interface KubeAccessOptions {
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  /** --context-for CLUSTER_ID=CONTEXT given to apply */
  overrides: Record<number, string>;
  /** the certificate clusters as GitLab reports them now (API URL and CA) */
  clusters: ClusterToMatch[];
  /** the demo only: normalised API URL → local Kubernetes simulator */
  serverOverrides?: Map<string, string>;
  /** the ids --context-for and --same-cluster may name (default: those of `clusters`) */
  knownClusterIds?: number[];
  /** --same-cluster ID: the user vouches that the context given for the cluster reaches it */
  sameCluster?: number[];
}

export function createKubeAccess(options: KubeAccessOptions): KubeAccess {
  const known = options.knownClusterIds ?? options.clusters.map((c) => c.id);
  refuseUnknownIds('--context-for', Object.keys(options.overrides).map(Number), known);
  refuseUnknownIds('--same-cluster', options.sameCluster ?? [], known);
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
    const server = contextServer(kubeconfig, context);
    let kc = configs.get(context);
    if (!kc) {
      // The demo routes each real-looking address to its simulator: the context's own server.
      const routed = options.serverOverrides?.get(normaliseApiUrl(server));
      try {
        kc = kubeConfigForContext(kubeconfig, context, routed ? { serverOverride: routed } : {});
      } catch (error) {
        if (error instanceof UserError) return { ok: false, problem: error.message };
        throw error;
      }
      configs.set(context, kc);
    }
    return {
      ok: true,
      context,
      kc,
      server,
      sameCluster: sameClusterOf(chosen, agent, clusters, kubeconfig),
    };
  };

  /** A match is proof; a chosen context is proof only when its server and CA are the cluster's. */
  const sameClusterOf = (
    chosen: ContextMatch,
    agent: PlannedAgent,
    clusters: ClusterToMatch[],
    kubeconfig: LoadedKubeconfig,
  ): SameCluster => {
    if (chosen.reason === 'matched') return 'matched';
    if (agent.clusterIds.some((id) => options.sameCluster?.includes(id))) return 'asserted';
    const matched = matchContexts(clusters, kubeconfig).some(
      (m) => m.reason === 'matched' && m.context === chosen.context,
    );
    return matched ? 'matched' : 'unproven';
  };

  const viaApiUrl = (agent: PlannedAgent, context: string): KubeConfig | null => {
    const kubeconfig = load();
    if (!kubeconfig) return null;
    const target = normaliseApiUrl(agent.apiUrl);
    try {
      return kubeConfigForContext(kubeconfig, context, {
        serverOverride: options.serverOverrides?.get(target) ?? agent.apiUrl,
      });
    } catch (error) {
      if (error instanceof UserError) return null;
      throw error;
    }
  };
  return { targetFor, viaApiUrl };
}

function contextServer(kubeconfig: LoadedKubeconfig, context: string): string {
  const cluster = kubeconfig.config.getContextObject(context)?.cluster;
  return (cluster && kubeconfig.config.getCluster(cluster)?.server) || '(no server)';
}
