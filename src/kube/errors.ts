// Kubernetes API failures as UserErrors that name the context and server and say what to do.
// client-node throws three shapes: ApiException (an HTTP answer, with the API server's `Status`
// body as text), node-fetch's FetchError (no answer: refused, unresolvable, TLS), and plain Errors
// of its own (e.g. plain http:// without insecure-skip-tls-verify). Every call to the API server goes
// through callKube (call-kube.ts), which turns its failures into these errors.
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../errors.js';

export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
  /**
   * A cause's kind is in `reason`: Go's StatusCause.Type is serialised as "reason"
   * (k8s.io/apimachinery metav1.StatusCause), e.g. {"reason": "FieldManagerConflict", ...}.
   */
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

const isFieldManagerConflict = (c: { reason?: string }) => c.reason === 'FieldManagerConflict';

export interface KubeTarget {
  context: string;
  server: string;
}

export function describeTarget(kc: KubeConfig): KubeTarget {
  return {
    context: kc.getCurrentContext(),
    server: kc.getCurrentCluster()?.server ?? '(no server)',
  };
}

/**
 * Refuses a KubeConfig that cannot reach a real cluster: no current cluster, or client-node's
 * silent fallback to http://localhost:8080 when it found no kubeconfig at all.
 */
export function assertUsableKubeConfig(kc: KubeConfig): void {
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new UserError(`The kubeconfig context "${kc.getCurrentContext()}" has no cluster.`, {
      hint: 'Pick a context that names a cluster (kubectl config get-contexts), or fix the kubeconfig.',
    });
  }
  if (
    kc.getCurrentContext() === 'loaded-context' &&
    /^http:\/\/localhost:8080\/?$/.test(cluster.server)
  ) {
    throw new UserError(
      'No kubeconfig was found, so the Kubernetes client fell back to http://localhost:8080.',
      {
        hint: 'Pass --kubeconfig FILE or set KUBECONFIG to a kubeconfig with a context for the cluster.',
      },
    );
  }
}

/** The API server's Status body of an ApiException, or null (no answer, or not a Status). */
export function kubeStatusOf(error: unknown): KubeStatus | null {
  if (!(error instanceof ApiException)) return null;
  const body: unknown = error.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = null;
    }
  }
  const status = parsed != null && typeof parsed === 'object' ? (parsed as KubeStatus) : {};
  return { ...status, code: status.code ?? error.code };
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS lookup failed)',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the connection was closed',
};

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);

/** The system error code of a FetchError (node-fetch keeps it on `code`, the cause on `erroredSysCall`). */
export function systemCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current != null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export class KubeRequestTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'KubeRequestTimeout';
  }
}

function conflictError(status: KubeStatus, what: string, where: string): UserError {
  const conflicts = (status.details?.causes ?? []).filter(isFieldManagerConflict);
  const listed = conflicts.map((c) => {
    const manager = /conflict with ("(?:[^"\\]|\\.)*")/.exec(c.message ?? '')?.[1];
    const owner = manager ? (JSON.parse(manager) as string) : 'another manager';
    return `${c.field ?? '?'} (managed by "${owner}")`;
  });
  const fields = listed.length === 1 ? 'a field' : `${listed.length} fields`;
  return new UserError(
    `Cannot apply ${what} ${where}: ${fields} changed by another tool would be overwritten: ${listed.join(', ')}.`,
    {
      hint: 'Run again with --force-conflicts to take these fields over for migrate-clusters, or first change them back with the tool that owns them.',
    },
  );
}

/** Turns anything client-node threw into a UserError naming the context; `what` is e.g. "Deployment ns/name". */
export function toKubeUserError(
  error: unknown,
  target: KubeTarget,
  action: string,
  what: string,
): UserError {
  const where = `with context "${target.context}" (${target.server})`;
  if (error instanceof UserError) return error;
  if (error instanceof KubeRequestTimeout) {
    return new UserError(
      `The Kubernetes API server ${target.server} (context "${target.context}") did not answer within ${error.timeoutMs < 1_000 ? `${error.timeoutMs} ms` : `${Math.round(error.timeoutMs / 1_000)} s`} when asked to ${action} ${what}.`,
      {
        hint: 'Check that the cluster is reachable from this machine (VPN, proxy, firewall), then run again.',
        cause: error,
      },
    );
  }
  const status = kubeStatusOf(error);
  if (status) {
    const code = status.code ?? 0;
    // One line, whatever the server sent (conflict and validation messages can span several).
    const message = (status.message ?? `HTTP ${code}`)
      .replace(/\s*\n\s*/g, '; ')
      .replace(/\.$/, '');
    if (code === 409 && status.details?.causes?.some(isFieldManagerConflict))
      return conflictError(status, what, where);
    if (code === 401)
      return new UserError(
        `The Kubernetes API server ${target.server} refused the credentials of context "${target.context}" (401 Unauthorized).`,
        {
          hint: `Refresh the credentials of context "${target.context}" in the kubeconfig (kubectl --context ${target.context} get namespaces must work), then run again.`,
          cause: error,
        },
      );
    if (code === 403)
      return new UserError(`Context "${target.context}" may not ${action} ${what}: ${message}.`, {
        hint: `Installing agentk creates a Namespace, RBAC bindings and a Deployment: use a context with cluster-admin rights on this cluster, or pass --install manifests and have an administrator apply them.`,
        cause: error,
      });
    if (code === 422)
      return new UserError(`The Kubernetes API server rejected ${what} ${where}: ${message}.`, {
        hint: 'An admission policy or an older Kubernetes version may refuse it; --install manifests writes the objects so you can review and adapt them.',
        cause: error,
      });
    return new UserError(`Cannot ${action} ${what} ${where}: ${message} (HTTP ${code}).`, {
      hint:
        code >= 500
          ? 'The API server had a problem; try again later.'
          : 'Check the object and the cluster, then run again.',
      cause: error,
    });
  }
  const code = systemCode(error);
  if (code && NETWORK_REASONS[code]) {
    return new UserError(
      `Cannot reach the Kubernetes API server ${target.server} of context "${target.context}": ${NETWORK_REASONS[code]}.`,
      {
        hint: "Check that the cluster is running and reachable from this machine (VPN, proxy, firewall) and that the kubeconfig's server address is right.",
        cause: error,
      },
    );
  }
  if (code && TLS_CODES.has(code)) {
    return new UserError(
      `The TLS certificate of the Kubernetes API server ${target.server} (context "${target.context}") is not trusted (${code}).`,
      {
        hint: `Check the certificate-authority-data of the cluster of context "${target.context}" in the kubeconfig.`,
        cause: error,
      },
    );
  }
  const text = error instanceof Error ? error.message : String(error);
  const unserved = /Unrecognized API version and kind: (\S+) (\S+)/.exec(text);
  if (unserved) {
    return new UserError(
      `The cluster of context "${target.context}" does not serve ${unserved[1]} ${unserved[2]}, needed for ${what}.`,
      {
        hint: 'The cluster may be too old for these objects: check its version (kubectl version).',
        cause: error,
      },
    );
  }
  if (text.includes('HTTP protocol is not allowed')) {
    return new UserError(
      `Context "${target.context}" points at plain HTTP (${target.server}) without insecure-skip-tls-verify, which the Kubernetes client refuses.`,
      {
        hint: 'Use the https:// address of the API server, or set insecure-skip-tls-verify: true for that cluster if it really serves plain HTTP.',
        cause: error,
      },
    );
  }
  return new UserError(`Cannot ${action} ${what} ${where}: ${text.split('\n')[0]}.`, {
    hint: 'Check the kubeconfig and that the cluster is reachable, then run again.',
    cause: error,
  });
}
