// Where agentk connects to, and which agentk to run: both come from GitLab's `GET /metadata`
// (`kas.externalUrl`, `kas.version`), the way GitLab's own install command is generated.
import { UserError } from '../errors.js';

/** The `kas` part of `GET /metadata`; GitLab sends null for the URL and version when KAS is off. */
export interface KasMetadata {
  enabled?: boolean | null;
  externalUrl?: string | null;
  version?: string | null;
}

export interface KasInfo {
  /** agentk's `--kas-address` */
  address: string;
  /** KAS version as GitLab reports it, e.g. `17.11.2` */
  version: string;
}

// agentk accepts exactly these schemes and stops with "unsupported scheme" on anything else
// (agentk's KAS client, in gitlab-org/cluster-integration/gitlab-agent; the accepted and refused
// addresses are cases in test/kube/manifests.test.ts); Omnibus derives grpc(s) when websockets are
// off.
const KAS_SCHEMES = new Set(['ws:', 'wss:', 'grpc:', 'grpcs:']);

/** Checks a KAS address and returns it unchanged (agentk gets exactly what GitLab advertises). */
export function parseKasAddress(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`The KAS address "${value}" is not a URL.`, {
      hint: 'GitLab reports it as kas.externalUrl in GET /api/v4/metadata; an administrator sets it (gitlab_kas_external_url in Omnibus).',
    });
  }
  if (!KAS_SCHEMES.has(url.protocol)) {
    throw new UserError(
      `The KAS address "${value}" uses ${url.protocol}//, which agentk does not support (only ws://, wss://, grpc:// and grpcs://).`,
      {
        hint: 'Ask an administrator to set the agent server external URL (gitlab_kas_external_url) to a wss:// or grpcs:// address.',
      },
    );
  }
  return value;
}

/** The KAS address and version from `GET /metadata`, or a UserError saying why agents cannot connect. */
export function kasFromMetadata(kas: KasMetadata | null | undefined, gitlabUrl: string): KasInfo {
  if (kas == null || kas.enabled === false) {
    throw new UserError(
      `The GitLab agent server (KAS) is not enabled on ${gitlabUrl}, so no agent can connect.`,
      {
        hint: "An administrator must enable it first (Omnibus: gitlab_kas['enable'] = true; Helm chart: global.kas.enabled=true).",
      },
    );
  }
  if (kas.externalUrl == null || kas.externalUrl === '') {
    throw new UserError(`${gitlabUrl} does not report the address of its agent server (KAS).`, {
      hint: 'An administrator must set the KAS external URL (gitlab_kas_external_url in Omnibus).',
    });
  }
  const address = parseKasAddress(kas.externalUrl);
  if (kas.version == null || kas.version === '') {
    throw new UserError(
      `${gitlabUrl} does not report the version of its agent server (KAS), so the agentk version to install is unknown.`,
      {
        hint: 'GitLab leaves kas.version empty when it cannot reach KAS: check that KAS is running and that GitLab can reach it.',
      },
    );
  }
  return { address, version: kas.version };
}
