// Test access to the GitLab simulator: fixtures, a started server, and a client for it.
import { readFileSync } from 'node:fs';
import { createGitLabClient, type GitLabClient } from '../../src/gitlab/client.js';
import { demoFixturePath } from '../../src/paths.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import {
  startGitLabSimulator,
  type GitLabSimulator,
  type GitLabSimulatorOptions,
} from '../../src/simulator/gitlab/server.js';

export function demoFixture(): GitLabFixture {
  return JSON.parse(readFileSync(demoFixturePath, 'utf8')) as GitLabFixture;
}

/**
 * The demo once every deploy job selects its agent's context: the --fix-ci merge requests merged
 * and the two jobs it cannot edit fixed by a person (the shared template, the KUBE_URL job). For
 * tests whose subject comes after a complete cut-over.
 */
export function demoFixtureWithFixedCi(): GitLabFixture {
  const fixture = demoFixture();
  const kubectl = (environment: string, command: string) =>
    `deploy:\n  image: bitnami/kubectl:1.31\n  environment: ${environment}\n  script:\n    - kubectl config use-context "$KUBE_CONTEXT"\n    - ${command}\n`;
  const fixed: Record<string, Record<string, string>> = {
    'payments/checkout/checkout-api': {
      '.gitlab-ci.yml': kubectl('production', 'kubectl apply -f deploy/'),
    },
    'logistics/routing/route-planner': {
      '.gitlab-ci.yml':
        'deploy-staging:\n  image: alpine/helm:3.16\n  environment: staging\n  variables:\n    HELM_KUBECONTEXT: $KUBE_CONTEXT\n  script:\n    - helm upgrade --install route-planner chart/\n',
    },
    'logistics/tracking/tracking-api': {
      '.gitlab-ci.yml': kubectl(
        'production',
        'kubectl -n tracking rollout restart deploy/tracking-api',
      ),
    },
    'platform/developer-portal': {
      '.gitlab-ci.yml': kubectl('preview', 'kubectl apply -f preview.yaml'),
    },
    'platform/ci-templates': {
      'deploy/kubectl.yml': kubectl('staging', 'kubectl apply -f manifests/').replace(
        'deploy:',
        'deploy-staging:',
      ),
    },
  };
  for (const repo of fixture.repositories ?? [])
    if (fixed[repo.project]) repo.files = { ...repo.files, ...fixed[repo.project] };
  return fixture;
}

export function tokenOf(
  fixture: GitLabFixture,
  predicate: (t: GitLabFixture['tokens'][number], admin: boolean) => boolean,
): string {
  const admins = new Set(fixture.users.filter((u) => u.admin).map((u) => u.username));
  const token = fixture.tokens.find((t) => predicate(t, admins.has(t.user)));
  if (!token) throw new Error('fixture has no such token');
  return token.token;
}

export const adminApiToken = (f: GitLabFixture) =>
  tokenOf(f, (t, admin) => admin && t.scopes.includes('api'));

export async function withSimulator<T>(
  options: GitLabSimulatorOptions,
  fn: (simulator: GitLabSimulator) => Promise<T>,
): Promise<T> {
  const simulator = await startGitLabSimulator(options);
  try {
    return await fn(simulator);
  } finally {
    await simulator.close();
  }
}

/** A client with fast retries, so fault tests do not wait for production backoffs. */
export function testClient(
  url: string,
  token: string,
  overrides: Partial<Parameters<typeof createGitLabClient>[0]['transport']> = {},
): GitLabClient {
  return createGitLabClient({
    url,
    token,
    concurrency: 8,
    transport: { baseBackoffMs: 5, maxBackoffMs: 50, timeoutMs: 2_000, ...overrides },
  });
}
