// @module-tag slow
// `manifests` through the built CLI: against the demo, the printed YAML parses, every object is a
// valid Kubernetes object (kubernetes-models standing in for `kubectl apply --dry-run=client`),
// there is no Secret and no token, and it matches the reviewed snapshot. Bad input: one line.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Namespace, Secret, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Plan } from '../../src/plan/types.js';
import { adminApiToken, demoFixture, withSimulator } from '../helpers/gitlab.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';

const DEMO_AGENT = 'data/gitlab-agents:data-platform';
const fixture = demoFixture();
const tokens = fixture.tokens.map((t) => t.token);

const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

function parseObjects(stdout: string): KubernetesObject[] {
  const docs = YAML.parseAllDocuments(stdout);
  expect(docs.flatMap((d) => d.errors)).toEqual([]);
  return docs.map((d) => d.toJS() as KubernetesObject);
}

let plan: Promise<Plan> | undefined;
/** The demo's plan, as `plan --demo` prints it (the agents `manifests` chooses from). */
function demoPlan(): Promise<Plan> {
  plan ??= runCli(['plan', '--demo', '--format', 'json']).then((r) => JSON.parse(r.stdout) as Plan);
  return plan;
}

/** stderr without the demo's "Demo: simulated GitLab at …" note. */
const errorText = (stderr: string) => stderr.replace(/^Demo: .*\n/m, '');

describe('migrate-clusters manifests --demo', () => {
  it('prints valid agentk objects without the token Secret, as in the reviewed snapshot', async () => {
    const { code, stdout, stderr } = await runCli(['manifests', '--demo', '--agent', DEMO_AGENT]);
    expect(code).toBe(0);
    const objects = parseObjects(stdout);
    expect(objects.map((o) => o.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'ClusterRoleBinding',
      'Deployment',
      'PodDisruptionBudget',
    ]);
    for (const object of objects) {
      const Model = models[`${object.apiVersion}/${object.kind}`];
      expect(Model, `${object.apiVersion}/${object.kind}`).toBeDefined();
      expect(() => new Model!(object as never).validate()).not.toThrow();
    }
    // The address and version are the demo instance's GET /metadata.
    const deployment = objects.find((o) => o.kind === 'Deployment') as Deployment;
    const container = deployment.spec!.template.spec!.containers[0]!;
    expect(container.args).toContain(`--kas-address=${fixture.instance.kas.externalUrl}`);
    expect(container.image).toBe(
      `registry.gitlab.com/gitlab-org/cluster-integration/gitlab-agent/agentk:v${fixture.instance.kas.version}`,
    );
    expect(stdout).not.toMatch(/glagent-|kind: Secret/);
    expect(tokens.filter((t) => stdout.includes(t) || stderr.includes(t))).toEqual([]);
    // Where the Secret must go, for whoever creates it.
    expect(stderr).toContain('gitlab-agent-data-platform/data-platform-gitlab-agent-token');
    await expect(stdout).toMatchFileSnapshot('../../fixtures/demo-manifests/data-platform.yaml');
  });

  it('finds an agent by its bare name when only one agent has it', async () => {
    const [byName, byRef] = await Promise.all([
      runCli(['manifests', '--demo', '--agent', 'data-platform']),
      runCli(['manifests', '--demo', '--agent', DEMO_AGENT]),
    ]);
    expect(byName.code).toBe(0);
    expect(byName.stdout).toBe(byRef.stdout);
  });

  it('binds an existing ClusterRole with --rbac existing-role:NAME', async () => {
    const { code, stdout } = await runCli([
      'manifests',
      '--demo',
      '--agent',
      DEMO_AGENT,
      '--rbac',
      'existing-role:gitlab-deployer',
    ]);
    expect(code).toBe(0);
    const binding = parseObjects(stdout).find((o) => o.kind === 'ClusterRoleBinding') as
      ClusterRoleBinding | undefined;
    expect(binding?.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'gitlab-deployer',
    });
    expect(binding?.metadata?.name).toBe(
      'gitlab-agent-data-platform:data-platform-gitlab-agent-gitlab-deployer',
    );
  });

  it('an unknown agent: one clear line listing the planned agents, exit 1', async () => {
    const { code, stdout, stderr } = await runCli(['manifests', '--demo', '--agent', 'nope']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const line = errorText(stderr);
    expect(isOneClearLine(line)).toBe(true);
    expect(line).toMatch(/^error: The plan has no agent "nope"\. Planned agents/);
    const refs = (await demoPlan()).agents.map((a) => a.ref).sort();
    for (const ref of refs.slice(0, 15)) expect(line).toContain(ref);
  });

  it('an ambiguous bare name: one clear line listing the matching refs, exit 1', async () => {
    // A name the demo plan gives to agents in two projects.
    const agents = (await demoPlan()).agents;
    const shared = agents.find((a) => agents.some((b) => b !== a && b.name === a.name));
    expect(shared).toBeDefined();
    const { code, stderr } = await runCli(['manifests', '--demo', '--agent', shared!.name]);
    expect(code).toBe(1);
    const line = errorText(stderr);
    expect(isOneClearLine(line)).toBe(true);
    expect(line).toContain(`"${shared!.name}" is ambiguous`);
    for (const agent of agents)
      expect(line.includes(agent.ref), agent.ref).toBe(agent.name === shared!.name);
  });

  it('a bad --rbac fails before any GitLab request', async () => {
    const { code, stderr } = await runCli([
      'manifests',
      '--demo',
      '--agent',
      DEMO_AGENT,
      '--rbac',
      'admin',
    ]);
    expect(code).toBe(1);
    expect(isOneClearLine(stderr)).toBe(true);
    expect(stderr).toMatch(/--rbac expects cluster-admin or existing-role:NAME, got "admin"/);
  });
});

describe('migrate-clusters manifests against an instance without KAS', () => {
  it('says that KAS is off, in one line, exit 1', async () => {
    const noKas = demoFixture();
    noKas.instance.kas = {
      enabled: false,
      externalUrl: null,
      externalK8sProxyUrl: null,
      version: null,
    };
    await withSimulator({ fixture: noKas }, async (simulator) => {
      const { code, stdout, stderr } = await runCli(['manifests', '--agent', DEMO_AGENT], {
        GITLAB_URL: simulator.url,
        GITLAB_TOKEN: adminApiToken(noKas),
      });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(isOneClearLine(stderr)).toBe(true);
      expect(stderr).toMatch(
        /The GitLab agent server \(KAS\) is not enabled on http:\/\/127\.0\.0\.1/,
      );
    });
  });
});
