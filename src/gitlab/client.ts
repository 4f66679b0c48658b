// The one place a GitLab connection is built: gitbeaker resources and our certificate-cluster
// resource share one transport (retries, pacing, call counting) and one bounded request pool.
import {
  Agents,
  Branches,
  Commits,
  Groups,
  MergeRequests,
  Metadata,
  Projects,
  ProjectVariables,
  RepositoryFiles,
  Users,
} from '@gitbeaker/rest';
import type { MetadataSchema, UserSchema } from '@gitbeaker/rest';
import pLimit from 'p-limit';
import { CertificateClusters, type PutFn } from './certificate-clusters.js';
import type { GetFn, Page, Query } from './paginate.js';
import {
  createTransport,
  defaultTransportOptions,
  type ApiStats,
  type TransportOptions,
} from './transport.js';

export interface GitLabClientOptions {
  url: string;
  token: string;
  /** at most this many requests in flight at once */
  concurrency: number;
  transport?: Partial<TransportOptions>;
}

export interface CurrentUser {
  id: number;
  username: string;
  isAdmin: boolean;
}

/**
 * Only the members src and test use: code reaches GitLab through the typed wrappers beside this
 * file (agents.ts, repository-files.ts, …), which use these. `groups`, `branches`,
 * `projectVariables` and `mergeRequests.merge` serve tests that act as a person in GitLab.
 */
export interface GitLabClient {
  readonly url: string;
  readonly stats: ApiStats;
  readonly get: GetFn;
  readonly clusters: CertificateClusters;
  readonly groups: InstanceType<typeof Groups<false>>;
  readonly projects: InstanceType<typeof Projects<false>>;
  readonly agents: InstanceType<typeof Agents<false>>;
  readonly repositoryFiles: InstanceType<typeof RepositoryFiles<false>>;
  readonly commits: InstanceType<typeof Commits<false>>;
  readonly branches: InstanceType<typeof Branches<false>>;
  readonly mergeRequests: InstanceType<typeof MergeRequests<false>>;
  readonly projectVariables: InstanceType<typeof ProjectVariables<false>>;
  /** gitbeaker's requester on our transport, for endpoints gitbeaker lacks (cluster PUT) */
  readonly requester: Metadata<false>['requester'];
  /** POST /api/graphql with one query, inside the request pool (see graphql.ts) */
  graphql(query: string): Promise<unknown>;
  /** runs a gitbeaker call inside the request pool */
  pooled<T>(fn: () => Promise<T>): Promise<T>;
  metadata(): Promise<MetadataSchema>;
  currentUser(): Promise<CurrentUser>;
}

/** `https://gitlab.example.com/`, `.../api/v4` and `gitlab.example.com` all mean the same instance. */
export function normaliseGitLabUrl(input: string): string {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(input);
  // `ht!tp://…`: a scheme was meant, and it is not one
  if (!hasScheme && input.includes('://')) throw new TypeError(`not a URL scheme: ${input}`);
  const withScheme = hasScheme ? input : `https://${input}`;
  const url = new URL(withScheme);
  // GitLab speaks HTTP: ftp://… or a typo such as ht!tp:// is not an instance
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`not an http(s) URL: ${url.protocol}`);
  // WHATWG URL accepts hosts such as `ht!tp`; DNS names and IP literals do not have those characters
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)$/i.test(url.hostname))
    throw new TypeError(`not a host name: ${url.hostname}`);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

export function createGitLabClient(options: GitLabClientOptions): GitLabClient {
  const transportOptions = { ...defaultTransportOptions(), ...options.transport };
  const requesterFn = createTransport(transportOptions);
  // rateLimits: {} turns off gitbeaker's client-side limiter (3,000/min): GitLab's own
  // RateLimit-* headers pace us instead, and the pool bounds concurrency.
  const config = { host: options.url, token: options.token, requesterFn, rateLimits: {} };
  const metadata = new Metadata(config);
  const users = new Users(config);
  const groups = new Groups(config);
  const limit = pLimit(Math.max(1, options.concurrency));
  const requester = metadata.requester;

  const get: GetFn = <T>(path: string, query?: Query) =>
    limit(async () => {
      const response = await requester.get(path, query ? { searchParams: query } : {});
      return response as Page<T>;
    });

  const put: PutFn = <T>(path: string, body: Record<string, unknown>) =>
    limit(async () => (await requester.put(path, { body })) as Page<T>);

  return {
    url: options.url,
    stats: transportOptions.stats,
    get,
    clusters: new CertificateClusters(get, put),
    groups,
    projects: new Projects(config),
    agents: new Agents(config),
    repositoryFiles: new RepositoryFiles(config),
    commits: new Commits(config),
    branches: new Branches(config),
    mergeRequests: new MergeRequests(config),
    projectVariables: new ProjectVariables(config),
    requester,
    // gitbeaker prefixes /api/v4/: GraphQL lives beside it
    graphql: (query) =>
      limit(
        async () =>
          ((await requester.post('../graphql', { body: { query } })) as Page<unknown>).body,
      ),
    pooled: (fn) => limit(fn),
    metadata: () => limit(() => metadata.show()),
    currentUser: async () => {
      const user = (await limit(() => users.showCurrentUser())) as UserSchema & {
        is_admin?: boolean;
      };
      return { id: user.id, username: user.username, isAdmin: user.is_admin === true };
    },
  };
}
