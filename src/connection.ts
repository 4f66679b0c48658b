// Resolves which GitLab to talk to (flags, then the usual environment variables), or starts the
// built-in demo instance, and builds the client. The only place a GitLab client is created.
import { UserError } from './errors.js';
import { createGitLabClient, normaliseGitLabUrl, type GitLabClient } from './gitlab/client.js';
import type { RequestEvent, RetryEvent } from './gitlab/transport.js';
import { observeKubeCalls } from './kube/call-kube.js';
import type { Output } from './output.js';
import { demoFixturePath } from './paths.js';
import { registerSecret } from './redact.js';
import type { DemoClusters } from './simulator/demo-clusters.js';

/** Which GitLab, and how hard to press it (the flags, normalised: src/commands/options/common.ts). */
export interface ConnectionOptions {
  /** --gitlab-url; none: the environment's */
  gitlabUrl: string | undefined;
  /** --token; none: $GITLAB_TOKEN */
  token: string | undefined;
  demo: boolean;
  /** GitLab requests in flight at once */
  concurrency: number;
  /** per-request timeout */
  timeoutSeconds: number;
}

export interface Connection {
  client: GitLabClient;
  /** the GitLab URL to show people */
  url: string;
  demo: boolean;
  /** --demo only: simulated clusters for the demo's physical clusters (apply, migrate) */
  startDemoClusters?: (apiUrls: (string | null)[]) => Promise<DemoClusters>;
  close(): Promise<void>;
}

const URL_VARIABLES = ['GITLAB_URL', 'GITLAB_HOST', 'CI_SERVER_URL'] as const;

export function resolveGitLabUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw =
    flag ?? URL_VARIABLES.map((name) => env[name]).find((value) => value != null && value !== '');
  if (raw == null) {
    throw new UserError('No GitLab instance given.', {
      hint: 'Pass --gitlab-url https://gitlab.example.com or set GITLAB_URL (or try --demo).',
    });
  }
  try {
    return normaliseGitLabUrl(raw);
  } catch {
    throw new UserError(`"${raw}" is not a valid GitLab URL: it must be http:// or https://.`, {
      hint: 'Use the root URL, e.g. https://gitlab.example.com',
    });
  }
}

export function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const token = flag ?? env.GITLAB_TOKEN;
  if (token == null || token === '') {
    throw new UserError('No GitLab token given.', {
      hint: 'Set GITLAB_TOKEN to a personal access token (read_api for inventory/plan, api for apply), or pass --token.',
    });
  }
  return token;
}

/** What to tell about requests as they happen (--verbose). */
export interface RequestLog {
  onRetry?: (event: RetryEvent) => void;
  onRequest?: (event: RequestEvent) => void;
}

export async function openConnection(
  options: ConnectionOptions,
  log: RequestLog = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<Connection> {
  const { concurrency } = options;
  const transport = { timeoutMs: options.timeoutSeconds * 1000, ...log };
  if (options.demo) {
    // Imported lazily: the simulator is only loaded for --demo.
    const { startDemoGitLab } = await import('./simulator/gitlab/demo.js');
    const demo = await startDemoGitLab(demoFixturePath);
    registerSecret(demo.token);
    const client = createGitLabClient({ url: demo.url, token: demo.token, concurrency, transport });
    return {
      client,
      url: demo.url,
      demo: true,
      startDemoClusters: async (apiUrls) => {
        const { startDemoClusters } = await import('./simulator/demo-clusters.js');
        return startDemoClusters(demo.simulator, apiUrls);
      },
      close: () => demo.close(),
    };
  }
  const url = resolveGitLabUrl(options.gitlabUrl, env);
  const token = resolveToken(options.token, env);
  registerSecret(token);
  const client = createGitLabClient({ url, token, concurrency, transport });
  return { client, url, demo: false, close: async () => {} };
}

/**
 * openConnection with each request and retry logged on stderr (--verbose; redacted by Output), and
 * each Kubernetes request the run makes too.
 */
export function connect(options: ConnectionOptions, out: Output): Promise<Connection> {
  observeKubeCalls((k) =>
    out.verbose(`kube ${k.action} ${k.what} (${k.target}) ${k.outcome} ${Math.round(k.ms)} ms`),
  );
  return openConnection(options, {
    onRequest: (r) =>
      out.verbose(`gitlab ${r.method} ${r.path} ${r.status ?? r.failure} ${Math.round(r.ms)} ms`),
    onRetry: (retry) =>
      out.verbose(
        `retrying ${retry.request} (${retry.reason}, attempt ${retry.attempt + 1}) in ${Math.round(retry.waitMs)} ms`,
      ),
  });
}
