// Which kubeconfig context reaches which certificate cluster: the context's cluster `server` must
// be the cluster's API URL (normalised like mapping rule 1, docs/mapping-rules.md), and its CA must
// be the one GitLab has. When that leaves several contexts, the user chooses (the wizard asks;
// --context-for decides).
import { readFileSync } from 'node:fs';
import { normaliseApiUrl } from '../discovery/api-url.js';
import type { LoadedKubeconfig } from './kubeconfig.js';
import { unknownContextError } from './kubeconfig.js';

export interface ClusterToMatch {
  id: number;
  apiUrl: string | null;
  /** GitLab's `platform_kubernetes.ca_cert` (PEM); null when the API server has a public certificate */
  caCert: string | null;
}

export type ContextMatchReason = 'override' | 'matched' | 'ambiguous' | 'ca-mismatch' | 'no-match';

export interface ContextMatch {
  clusterId: number;
  /** the context to use; null unless reason is override or matched */
  context: string | null;
  /** contexts whose server is the cluster's API URL, sorted (for ambiguous: those with a fitting CA) */
  candidates: string[];
  reason: ContextMatchReason;
  /** things a person should know, e.g. that a context skips TLS verification */
  notes: string[];
}

/** The DER bytes (hex) of each certificate in a PEM text: the same certificate whatever the line breaks. */
export function certificateFingerprints(pem: string): Set<string> {
  const out = new Set<string>();
  const blocks = pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g);
  for (const [, body] of blocks) {
    const der = Buffer.from(body!.replace(/\s+/g, ''), 'base64');
    if (der.length > 0) out.add(der.toString('hex'));
  }
  return out;
}

type CaCheck = { verdict: 'same' | 'different' | 'unchecked'; note?: string };

function checkCa(
  cluster: ClusterToMatch,
  kube: { caData?: string; caFile?: string; skipTLSVerify: boolean },
  contextName: string,
): CaCheck {
  const wanted = certificateFingerprints(cluster.caCert ?? '');
  if (kube.skipTLSVerify) {
    return {
      verdict: 'unchecked',
      note: `context "${contextName}" skips TLS verification (insecure-skip-tls-verify), so its CA was not checked`,
    };
  }
  // GitLab has no CA for clusters with a publicly trusted certificate: nothing to compare.
  if (wanted.size === 0) return { verdict: 'unchecked' };
  let pem: string;
  if (kube.caData) {
    pem = Buffer.from(kube.caData, 'base64').toString('utf8');
  } else if (kube.caFile) {
    try {
      pem = readFileSync(kube.caFile, 'utf8');
    } catch {
      return {
        verdict: 'unchecked',
        note: `context "${contextName}": cannot read its CA file ${kube.caFile}, so its CA was not checked`,
      };
    }
  } else {
    return {
      verdict: 'unchecked',
      note: `context "${contextName}" trusts the system CAs, so its CA was not compared with GitLab's`,
    };
  }
  const found = certificateFingerprints(pem);
  // A bundle that contains GitLab's CA trusts the same server.
  return [...wanted].some((der) => found.has(der)) ? { verdict: 'same' } : { verdict: 'different' };
}

function matchOne(cluster: ClusterToMatch, loaded: LoadedKubeconfig): ContextMatch {
  const base = { clusterId: cluster.id, notes: [] as string[] };
  const wanted = normaliseApiUrl(cluster.apiUrl);
  if (wanted === '') return { ...base, context: null, candidates: [], reason: 'no-match' };
  const checks = loaded.config
    .getContexts()
    .flatMap((context) => {
      const kube = loaded.config.getCluster(context.cluster);
      if (!kube || normaliseApiUrl(kube.server) !== wanted) return [];
      return [{ name: context.name, ca: checkCa(cluster, kube, context.name) }];
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const notes = checks.flatMap((check) => (check.ca.note ? [check.ca.note] : []));
  const fitting = checks.filter((check) => check.ca.verdict !== 'different').map((c) => c.name);
  if (checks.length === 0) return { ...base, context: null, candidates: [], reason: 'no-match' };
  if (fitting.length === 0) {
    return {
      ...base,
      context: null,
      candidates: checks.map((c) => c.name),
      reason: 'ca-mismatch',
      notes: [
        ...notes,
        `the CA of ${checks.map((c) => `"${c.name}"`).join(', ')} is not the CA GitLab has for cluster ${cluster.id}: another cluster behind the same address?`,
      ],
    };
  }
  if (fitting.length > 1)
    return { ...base, context: null, candidates: fitting, reason: 'ambiguous', notes };
  return { ...base, context: fitting[0]!, candidates: fitting, reason: 'matched', notes };
}

/**
 * What a person should know about the CA of `context` for `cluster`: that it was not compared, or
 * that it is not GitLab's. Said about the context chosen, which need not be the one matched.
 */
export function caNoteFor(
  cluster: ClusterToMatch,
  loaded: LoadedKubeconfig,
  context: string,
): string | undefined {
  const kube = loaded.config.getCluster(loaded.config.getContextObject(context)?.cluster ?? '');
  if (!kube) return undefined;
  const check = checkCa(cluster, kube, context);
  return check.verdict === 'different'
    ? `the CA of "${context}" is not the CA GitLab has for cluster ${cluster.id}: another cluster behind the same address?`
    : check.note;
}

/**
 * One result per cluster, in the given order. `overrides` (--context-for CLUSTER_ID=CONTEXT) win;
 * every override must name a context of the kubeconfig, or this throws a UserError listing them.
 */
export function matchContexts(
  clusters: ClusterToMatch[],
  loaded: LoadedKubeconfig,
  overrides: Record<number, string> = {},
): ContextMatch[] {
  for (const name of Object.values(overrides)) {
    if (!loaded.config.getContextObject(name))
      throw unknownContextError(name, loaded, '--context-for');
  }
  return clusters.map((cluster) => {
    const override = overrides[cluster.id];
    if (override === undefined) return matchOne(cluster, loaded);
    return {
      clusterId: cluster.id,
      context: override,
      candidates: [override],
      reason: 'override',
      notes: [],
    };
  });
}
