// The agentk objects: valid Kubernetes objects (kubernetes-models schemas), the official chart's
// names and labels, Helm's adoption metadata, the hardening the chart lacks, the token Secret, and
// the KAS address and agentk version taken from GitLab's metadata.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Namespace, Secret, ServiceAccount, type ISecret } from 'kubernetes-models/v1';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ClusterRoleBinding,
  type IClusterRoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { UserError } from '../../src/errors.js';
import { fitName, nameHash } from '../../src/kube/fit-name.js';
import { kasFromMetadata, parseKasAddress } from '../../src/kube/kas.js';
import {
  TOKEN_ID_ANNOTATION,
  agentNamespace,
  agentkImage,
  agentkObjectNames,
  manifestsToYaml,
  parseRbacFlag,
  renderAgentkManifests,
  type AgentkManifestInput,
} from '../../src/kube/manifests.js';
import { redact } from '../../src/redact.js';
import { adminApiToken, demoFixture, testClient, withSimulator } from '../helpers/gitlab.js';

/** Throws unless the object satisfies the Kubernetes OpenAPI schema of its kind. */
function validate(object: KubernetesObject): void {
  const models: Record<string, new (data: never) => { validate(): void }> = {
    'v1/Namespace': Namespace,
    'v1/ServiceAccount': ServiceAccount,
    'v1/Secret': Secret,
    'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
    'apps/v1/Deployment': Deployment,
    'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  };
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no model for ${object.apiVersion}/${object.kind}`);
  new Model(object as never).validate();
}

const TOKEN = 'glagent-test-token-not-real-0123456789';

const input = (overrides: Partial<AgentkManifestInput> = {}): AgentkManifestInput => ({
  agentName: 'prod-eu',
  namespace: 'gitlab-agent-prod-eu',
  kasAddress: 'wss://gitlab.example.test/-/kubernetes-agent/',
  kasVersion: '17.11.2',
  rbac: { kind: 'cluster-admin' },
  ...overrides,
});

/** The one object of a kind, typed by its kubernetes-models interface. */
function one<T extends { kind: string } = KubernetesObject & { kind: string }>(
  objects: KubernetesObject[],
  kind: T['kind'],
): T {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as unknown as T;
}
const deploymentOf = (objects: KubernetesObject[]) => one<IDeployment>(objects, 'Deployment');
const podTemplateOf = (objects: KubernetesObject[]) => deploymentOf(objects).spec!.template;
const containerOf = (objects: KubernetesObject[]) => podTemplateOf(objects).spec!.containers[0]!;

describe('renderAgentkManifests', () => {
  it.each([
    ['cluster-admin, no token', input()],
    ['cluster-admin, with token', input({ token: { value: TOKEN, id: 42 } })],
    [
      'existing role, with token',
      input({
        rbac: { kind: 'existing-role', name: 'system:deployer' },
        token: { value: TOKEN, id: 1 },
      }),
    ],
    [
      'a 63-character agent name',
      input({ agentName: 'a'.repeat(63), namespace: agentNamespace('a'.repeat(63)) }),
    ],
  ])('renders only valid Kubernetes objects (%s)', (_, manifestInput) => {
    const objects = renderAgentkManifests(manifestInput);
    expect(objects.length).toBeGreaterThanOrEqual(5);
    for (const object of objects) expect(() => validate(object)).not.toThrow();
  });

  it('names every object the way the chart does for a release named after the agent', () => {
    const objects = renderAgentkManifests(input({ token: { value: TOKEN, id: 42 } }));
    expect(
      objects.map((o) => `${o.kind} ${o.metadata?.namespace ?? '-'} ${o.metadata?.name}`),
    ).toEqual([
      'Namespace - gitlab-agent-prod-eu',
      'ServiceAccount gitlab-agent-prod-eu prod-eu-gitlab-agent',
      'Secret gitlab-agent-prod-eu prod-eu-gitlab-agent-token',
      'ClusterRoleBinding - gitlab-agent-prod-eu:prod-eu-gitlab-agent-cluster-admin',
      'Deployment gitlab-agent-prod-eu prod-eu-gitlab-agent-v2',
      'PodDisruptionBudget gitlab-agent-prod-eu prod-eu-gitlab-agent',
    ]);
  });

  it.each([
    ['prod-eu', 'prod-eu-gitlab-agent', 'prod-eu-gitlab-agent-v2'],
    ['gitlab-agent', 'gitlab-agent', 'gitlab-agent-v2'],
    ['my-gitlab-agent-2', 'my-gitlab-agent-2', 'my-gitlab-agent-2-v2'],
    // 50 + "-gitlab-agent" is 63; one more character and trunc 63 leaves a trailing "-" to trim.
    ['b'.repeat(50), `${'b'.repeat(50)}-gitlab-agent`, `${'b'.repeat(50)}-gitlab-ag-v2`],
    ['c'.repeat(51), `${'c'.repeat(51)}-gitlab-agen`, `${'c'.repeat(51)}-gitlab-a-v2`],
    ['d'.repeat(56), `${'d'.repeat(56)}-gitlab`, `${'d'.repeat(56)}-git-v2`],
    // The chart truncates the Deployment's prefix to 60 without trimming, "-" and all.
    ['e'.repeat(52), `${'e'.repeat(52)}-gitlab-age`, `${'e'.repeat(52)}-gitlab--v2`],
  ])('chart naming for release %s', (release, fullname, deployment) => {
    const names = agentkObjectNames(release);
    expect(names.fullname).toBe(fullname);
    expect(names.deployment).toBe(deployment);
    expect(names.secret).toBe(`${fullname}-token`);
    expect(fullname.length).toBeLessThanOrEqual(63);
    expect(deployment.length).toBeLessThanOrEqual(63);
  });

  it.each([
    // Names that fit are GitLab's install command's, unchanged.
    ['prod-eu', 'prod-eu', 'gitlab-agent-prod-eu'],
    ['50 characters', 'x'.repeat(50), `gitlab-agent-${'x'.repeat(50)}`],
    // Longer ones keep their first 41 characters and a hash of the whole namespace.
    [
      '51 characters',
      'x'.repeat(51),
      `gitlab-agent-${'x'.repeat(41)}-${nameHash(`gitlab-agent-${'x'.repeat(51)}`)}`,
    ],
    [
      '63 characters',
      'x'.repeat(63),
      `gitlab-agent-${'x'.repeat(41)}-${nameHash(`gitlab-agent-${'x'.repeat(63)}`)}`,
    ],
    // A "-" where the cut falls is dropped, so the hash never follows "--".
    [
      'a cut next to "-"',
      `${'y'.repeat(40)}-${'z'.repeat(20)}`,
      `gitlab-agent-${'y'.repeat(40)}-${nameHash(`gitlab-agent-${'y'.repeat(40)}-${'z'.repeat(20)}`)}`,
    ],
  ])('names the namespace of an agent of %s', (_, agentName, namespace) => {
    expect(agentNamespace(agentName)).toBe(namespace);
    expect(namespace).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it('gives agent names sharing their first 50 characters different namespaces', () => {
    // GitLab's "first 50 characters" made these one namespace: an agent split past 500 entries
    // (<long> and <long>-2) overwrote its twin's token Secret on every run.
    const long = 'production-kubernetes-cluster-europe-west1-primary-workloads-sh';
    const split = 'production-kubernetes-cluster-europe-west1-primary-workloads-2';
    expect(long.slice(0, 50)).toBe(split.slice(0, 50));
    expect(agentNamespace(long)).not.toBe(agentNamespace(split));
    // Pinned: a namespace agentk is installed in must not move when this code changes.
    expect(agentNamespace(long)).toBe(
      'gitlab-agent-production-kubernetes-cluster-europe-west-8c3c7d89',
    );
  });

  it.each([
    // The chart's trunc 60 would cut into these names: the Deployment keeps a hash instead.
    ['61 characters', 'f'.repeat(61), `${'f'.repeat(61)}-gitlab-agent`],
    ['63 characters', 'f'.repeat(63), `${'f'.repeat(63)}-gitlab-agent`],
    [
      '62 characters, saying gitlab-agent',
      `my-gitlab-agent-${'g'.repeat(46)}`,
      `my-gitlab-agent-${'g'.repeat(46)}`,
    ],
  ])('names the Deployment of a release of %s with a hash', (_, release, full) => {
    const names = agentkObjectNames(release);
    expect(names.deployment).toBe(`${full.slice(0, 51)}-${nameHash(full)}-v2`);
    expect(names.deployment).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    // The rest stays the chart's: trunc 63 only ever cuts into "-gitlab-agent".
    expect(names.fullname).toBe(full.slice(0, 63).replace(/-$/, ''));
  });

  it('gives agent names sharing their first 60 characters different Deployments', () => {
    // The chart's `fullname | trunc 60`-v2 made both of these one Deployment, and the second
    // agent could never install (its selector differs, and a selector is immutable).
    const long = 'production-kubernetes-cluster-europe-west1-primary-workloads-sh';
    const split = 'production-kubernetes-cluster-europe-west1-primary-workloads-2';
    const [a, b] = [agentkObjectNames(long), agentkObjectNames(split)];
    expect(a.deployment).not.toBe(b.deployment);
    expect(a.secret).not.toBe(b.secret);
    expect(a.fullname).not.toBe(b.fullname);
  });

  it.each([
    ['short', 'short'],
    ['exactly fits', 'a'.repeat(20)],
  ])('fitName keeps a name that fits byte for byte (%s)', (_, name) => {
    expect(fitName(name, 20)).toBe(name);
  });

  it.each([
    ['one character too long', 'a'.repeat(21), 20, `${'a'.repeat(11)}-${nameHash('a'.repeat(21))}`],
    ['300 characters', 'a'.repeat(300), 63, `${'a'.repeat(54)}-${nameHash('a'.repeat(300))}`],
    // the head trimmed of "-" so nothing ends up as "--"
    [
      'a cut next to "-"',
      `${'b'.repeat(10)}--${'c'.repeat(10)}`,
      20,
      `${'b'.repeat(10)}-${nameHash(`${'b'.repeat(10)}--${'c'.repeat(10)}`)}`,
    ],
    // nothing but "-" in the head: the hash alone
    [
      'a head of only "-"',
      `---------${'d'.repeat(20)}`,
      17,
      nameHash(`---------${'d'.repeat(20)}`),
    ],
  ])('fitName cuts a name that does not fit and keeps its hash (%s)', (_, name, max, fitted) => {
    expect(fitName(name, max)).toBe(fitted);
    expect(fitted.length).toBeLessThanOrEqual(max);
  });

  it('fitName keeps names apart that plain truncation would merge', () => {
    const names = Array.from({ length: 200 }, (_, i) => `${'p'.repeat(60)}-${i}`);
    expect(new Set(names.map((n) => fitName(n, 63))).size).toBe(names.length);
  });

  it('nameHash is the first 8 hex digits of sha256, pinned so installed names never move', () => {
    expect(nameHash('gitlab-agent')).toBe('4c05b50e');
  });

  it("uses the chart's selector and labels, and Helm's adoption metadata on the chart's objects only", () => {
    const objects = renderAgentkManifests(input({ token: { value: TOKEN, id: 42 } }));
    const deployment = deploymentOf(objects);
    expect(deployment.spec?.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'gitlab-agent',
      'app.kubernetes.io/instance': 'prod-eu',
    });
    expect(deployment.spec?.template.metadata?.labels).toMatchObject(
      deployment.spec!.selector.matchLabels!,
    );
    for (const kind of ['ServiceAccount', 'Secret', 'ClusterRoleBinding', 'Deployment']) {
      const object = one(objects, kind);
      expect(object.metadata?.labels, kind).toEqual({
        'app.kubernetes.io/name': 'gitlab-agent',
        'app.kubernetes.io/instance': 'prod-eu',
        'app.kubernetes.io/version': 'v17.11.2',
        'app.kubernetes.io/managed-by': 'Helm',
      });
      expect(object.metadata?.annotations, kind).toMatchObject({
        'meta.helm.sh/release-name': 'prod-eu',
        'meta.helm.sh/release-namespace': 'gitlab-agent-prod-eu',
      });
    }
    for (const kind of ['Namespace', 'PodDisruptionBudget']) {
      const object = one(objects, kind);
      expect(object.metadata?.labels?.['app.kubernetes.io/managed-by'], kind).toBe(
        'migrate-clusters',
      );
      expect(object.metadata?.annotations ?? {}, kind).not.toHaveProperty(
        'meta.helm.sh/release-name',
      );
    }
  });

  it('runs agentk as the chart does: image from the KAS version, args, env, probes, projected token', () => {
    const objects = renderAgentkManifests(input());
    const deployment = deploymentOf(objects);
    const pod = podTemplateOf(objects).spec!;
    const container = containerOf(objects);
    expect(pod.containers).toHaveLength(1);
    expect(container.image).toBe(
      'registry.gitlab.com/gitlab-org/cluster-integration/gitlab-agent/agentk:v17.11.2',
    );
    expect(container.args).toEqual([
      '--token-file=/etc/agentk/secrets/token',
      '--kas-address=wss://gitlab.example.test/-/kubernetes-agent/',
    ]);
    expect(container.env?.map((e) => e.name)).toEqual([
      'POD_NAMESPACE',
      'POD_NAME',
      'SERVICE_ACCOUNT_NAME',
      'OCS_ENABLED',
    ]);
    expect(container.env?.find((e) => e.name === 'OCS_ENABLED')?.value).toBe('false');
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/liveness', port: 8080 });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readiness', port: 8080 });
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('prod-eu-gitlab-agent');
    const secretVolume = pod.volumes?.find((v) => v.name === 'secret-volume');
    expect(secretVolume?.secret).toEqual({
      defaultMode: 0o444,
      secretName: 'prod-eu-gitlab-agent-token',
    });
    const projected = pod.volumes?.find((v) => v.name === 'service-account-token-volume');
    expect(projected?.projected?.sources).toContainEqual({
      serviceAccountToken: { expirationSeconds: 3600, path: 'token' },
    });
  });

  it('adds what the chart lacks: requests, a restrictive securityContext and a PodDisruptionBudget', () => {
    const objects = renderAgentkManifests(input());
    const pod = podTemplateOf(objects).spec!;
    const container = containerOf(objects);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    const pdb = one<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: deploymentOf(objects).spec?.selector.matchLabels },
    });
    // No container-scanning objects: nothing beyond the six kinds.
    expect(objects.map((o) => o.kind)).not.toContain('ClusterRole');
  });

  it('renders the token Secret only with a token, and ties the pods to the token id', () => {
    const without = renderAgentkManifests(input());
    expect(without.map((o) => o.kind)).not.toContain('Secret');
    expect(podTemplateOf(without).metadata?.annotations).not.toHaveProperty(TOKEN_ID_ANNOTATION);

    const objects = renderAgentkManifests(input({ token: { value: TOKEN, id: 42 } }));
    const secret = one<ISecret>(objects, 'Secret');
    const data = secret.data ?? {};
    expect(secret.type).toBe('Opaque');
    expect(Object.keys(data)).toEqual(['token']);
    expect(Buffer.from(data.token!, 'base64').toString('utf8')).toBe(TOKEN);
    expect(secret.metadata?.annotations?.[TOKEN_ID_ANNOTATION]).toBe('42');
    expect(podTemplateOf(objects).metadata?.annotations?.[TOKEN_ID_ANNOTATION]).toBe('42');
    const rotated = renderAgentkManifests(input({ token: { value: `${TOKEN}-2`, id: 43 } }));
    expect(podTemplateOf(rotated).metadata?.annotations?.[TOKEN_ID_ANNOTATION]).toBe('43');
    // Once rendered, the token and its base64 form are redacted from anything printed.
    const text = manifestsToYaml(objects);
    expect(redact(text)).not.toContain(TOKEN);
    expect(redact(text)).not.toContain(data.token);
  });

  it('binds an existing ClusterRole instead of cluster-admin, still with a ClusterRoleBinding', () => {
    const objects = renderAgentkManifests(
      input({ rbac: { kind: 'existing-role', name: 'gitlab-agent-deployer' } }),
    );
    const binding = one<IClusterRoleBinding>(objects, 'ClusterRoleBinding');
    expect(binding.metadata?.name).toBe(
      'gitlab-agent-prod-eu:prod-eu-gitlab-agent-gitlab-agent-deployer',
    );
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'gitlab-agent-deployer',
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'prod-eu-gitlab-agent', namespace: 'gitlab-agent-prod-eu' },
    ]);
  });

  it('inserts values as data: YAML syntax in an address cannot change the documents', () => {
    const kasAddress = 'grpcs://kas.example.test:8150/a#b: {c}\n---\nkind: Secret';
    const text = manifestsToYaml(renderAgentkManifests(input({ kasAddress })));
    const docs = YAML.parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject);
    expect(docs.map((d) => d.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'ClusterRoleBinding',
      'Deployment',
      'PodDisruptionBudget',
    ]);
    expect(containerOf(docs).args?.[1]).toBe(`--kas-address=${kasAddress}`);
  });

  it.each([
    [{ agentName: 'Prod_EU' }, /agent name "Prod_EU"/],
    [{ namespace: `gitlab-agent-${'x'.repeat(63)}` }, /namespace "gitlab-agent-x+"/],
    [{ token: { value: '', id: 1 } }, /token is empty/],
  ])('refuses bad input %j with a UserError', (overrides, message) => {
    expect(() => renderAgentkManifests(input(overrides))).toThrow(UserError);
    expect(() => renderAgentkManifests(input(overrides))).toThrow(message);
  });
});

describe('manifestsToYaml', () => {
  it('prints multi-document YAML in apply order whatever the input order', () => {
    const objects = renderAgentkManifests(input({ token: { value: TOKEN, id: 7 } }));
    const text = manifestsToYaml(objects);
    expect(manifestsToYaml([...objects].reverse())).toBe(text);
    const docs = YAML.parseAllDocuments(text);
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
    expect(docs.map((d) => (d.toJS() as KubernetesObject).kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'Secret',
      'ClusterRoleBinding',
      'Deployment',
      'PodDisruptionBudget',
    ]);
    expect(docs.map((d) => d.toJS() as unknown)).toEqual(objects);
    // Plain YAML: no anchors or aliases for the labels the objects share.
    expect(docs.some((d) => YAML.stringify(d).match(/(^|\s)[&*]\w+/m))).toBe(false);
    expect(text).not.toMatch(/:\s[&*]\w+/);
  });

  it("renders the demo agent's objects exactly as in the reviewed snapshot", async () => {
    const { kas } = demoFixture().instance;
    const objects = renderAgentkManifests({
      agentName: 'data-platform',
      namespace: 'gitlab-agent-data-platform',
      kasAddress: kas.externalUrl!,
      kasVersion: kas.version!,
      rbac: { kind: 'cluster-admin' },
    });
    await expect(manifestsToYaml(objects)).toMatchFileSnapshot(
      '../../fixtures/demo-manifests/data-platform.yaml',
    );
  });
});

describe('agentkImage', () => {
  it.each([
    ['17.11.2', 'v17.11.2'],
    ['v17.11.2', 'v17.11.2'],
    ['18.1.1-ee', 'v18.1.1'],
    ['17.11.0+6a0281c68969d9ce8f36fdaf242b4f6e0503d940', 'v17.11.0'],
    ['17.0.0-rc2', 'v17.0.0-rc2'],
  ])('KAS %s runs agentk %s', (version, tag) => {
    expect(agentkImage(version)).toBe(
      `registry.gitlab.com/gitlab-org/cluster-integration/gitlab-agent/agentk:${tag}`,
    );
  });

  it.each(['', 'latest', '17.11', 'unknown'])('refuses to guess from %j', (version) => {
    expect(() => agentkImage(version)).toThrow(UserError);
  });
});

describe('parseRbacFlag', () => {
  it('reads cluster-admin and existing-role:NAME', () => {
    expect(parseRbacFlag('cluster-admin')).toEqual({ kind: 'cluster-admin' });
    expect(parseRbacFlag('existing-role:system:aggregate-to-edit')).toEqual({
      kind: 'existing-role',
      name: 'system:aggregate-to-edit',
    });
  });

  it.each(['admin', 'existing-role:', 'existing-role:a/b', 'existing-role:..', 'Cluster-Admin'])(
    'refuses %j with a UserError',
    (value) => {
      expect(() => parseRbacFlag(value)).toThrow(UserError);
      expect(() => parseRbacFlag(value)).toThrow(/--rbac expects/);
    },
  );
});

describe('KAS address and version from GET /metadata', () => {
  it("reads the demo instance's KAS over HTTP", async () => {
    const fixture = demoFixture();
    await withSimulator({ fixture }, async (simulator) => {
      const client = testClient(simulator.url, adminApiToken(fixture));
      const kas = kasFromMetadata((await client.metadata()).kas, simulator.url);
      expect(kas).toEqual({
        address: fixture.instance.kas.externalUrl,
        version: fixture.instance.kas.version,
      });
    });
  });

  it.each([
    'ws://kas.test',
    'wss://kas.test/-/kubernetes-agent/',
    'grpc://gitlab.test:8150',
    'grpcs://kas.test',
  ])('accepts %s', (address) => {
    expect(parseKasAddress(address)).toBe(address);
  });

  it.each([
    ['https://kas.test', /https:\/\/, which agentk does not support/],
    ['kas.test:8150', /is not a URL|does not support/],
  ])('refuses %s', (address, message) => {
    expect(() => parseKasAddress(address)).toThrow(message);
  });

  it.each([
    [{ enabled: false, externalUrl: null, version: null }, /not enabled/],
    [{ enabled: true, externalUrl: null, version: '17.11.2' }, /does not report the address/],
    [
      { enabled: true, externalUrl: 'wss://kas.test', version: null },
      /does not report the version/,
    ],
    [{ enabled: true, externalUrl: 'http://kas.test', version: '17.11.2' }, /does not support/],
  ])('explains why agents cannot connect: %j', (kas, message) => {
    expect(() => kasFromMetadata(kas, 'https://gitlab.test')).toThrow(UserError);
    expect(() => kasFromMetadata(kas, 'https://gitlab.test')).toThrow(message);
  });
});
