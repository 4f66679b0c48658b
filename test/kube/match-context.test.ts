// Which kubeconfig context reaches which certificate cluster: kubeconfigs written to a temporary
// directory, matched on the normalised API URL and the CA GitLab has for the cluster.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { UserError } from '../../src/errors.js';
import { loadKubeconfig, type LoadedKubeconfig } from '../../src/kube/kubeconfig.js';
import {
  certificateFingerprints,
  matchContexts,
  type ClusterToMatch,
} from '../../src/kube/match-context.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-match-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A PEM certificate as GitLab stores it: 64-character lines. Only the bytes matter here. */
function pem(der: Buffer, lineEnding = '\n'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return ['-----BEGIN CERTIFICATE-----', ...lines, '-----END CERTIFICATE-----'].join(lineEnding);
}

const CA_PROD = randomBytes(300);
const CA_OTHER = randomBytes(300);

interface KubeCluster {
  name: string;
  server: string;
  caData?: string;
  caFile?: string;
  insecure?: boolean;
}

let fileCount = 0;
async function kubeconfig(
  clusters: KubeCluster[],
  contexts: { name: string; cluster: string; namespace?: string }[],
): Promise<LoadedKubeconfig> {
  const file = join(dir, `config-${++fileCount}`);
  await writeFile(
    file,
    YAML.stringify({
      clusters: clusters.map((c) => ({
        name: c.name,
        cluster: {
          server: c.server,
          ...(c.caData ? { 'certificate-authority-data': c.caData } : {}),
          ...(c.caFile ? { 'certificate-authority': c.caFile } : {}),
          ...(c.insecure ? { 'insecure-skip-tls-verify': true } : {}),
        },
      })),
      users: [{ name: 'me', user: { token: 'x' } }],
      contexts: contexts.map((c) => ({
        name: c.name,
        context: {
          cluster: c.cluster,
          user: 'me',
          ...(c.namespace ? { namespace: c.namespace } : {}),
        },
      })),
    }),
  );
  return loadKubeconfig({ kubeconfig: file, env: {} });
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

const prod: ClusterToMatch = {
  id: 3,
  apiUrl: 'https://k8s-prod-eu.example.test:6443',
  caCert: pem(CA_PROD),
};

describe('matchContexts', () => {
  it('matches the one context whose server is the API URL and whose CA is GitLab’s', async () => {
    const loaded = await kubeconfig(
      [
        {
          name: 'prod',
          server: 'https://k8s-prod-eu.example.test:6443',
          caData: b64(pem(CA_PROD)),
        },
        { name: 'staging', server: 'https://k8s-staging.example.test:6443' },
      ],
      [
        { name: 'prod-admin', cluster: 'prod' },
        { name: 'staging', cluster: 'staging' },
      ],
    );
    expect(matchContexts([prod], loaded)).toEqual([
      {
        clusterId: 3,
        context: 'prod-admin',
        candidates: ['prod-admin'],
        reason: 'matched',
        notes: [],
      },
    ]);
  });

  it.each([
    ['a trailing slash', 'https://k8s.example.test/', 'https://k8s.example.test'],
    ['upper-case host', 'https://K8S.Example.TEST', 'https://k8s.example.test'],
    ['the default port', 'https://k8s.example.test:443', 'https://k8s.example.test/'],
    [
      'a path with a trailing slash',
      'https://rancher.example.test/k8s/clusters/c-1/',
      'https://RANCHER.example.test/k8s/clusters/c-1',
    ],
  ])('normalises both URLs: %s', async (_, server, apiUrl) => {
    const loaded = await kubeconfig(
      [{ name: 'c', server, caData: b64(pem(CA_PROD)) }],
      [{ name: 'ctx', cluster: 'c' }],
    );
    const [match] = matchContexts([{ ...prod, apiUrl }], loaded);
    expect(match).toMatchObject({ context: 'ctx', reason: 'matched' });
  });

  it.each([
    ['another port', 'https://k8s-prod-eu.example.test'],
    ['another host', 'https://k8s-prod-us.example.test:6443'],
    ['another scheme', 'http://k8s-prod-eu.example.test:6443'],
    ['another path', 'https://k8s-prod-eu.example.test:6443/proxy'],
  ])('does not match %s', async (_, server) => {
    const loaded = await kubeconfig(
      [{ name: 'c', server, caData: b64(pem(CA_PROD)) }],
      [{ name: 'ctx', cluster: 'c' }],
    );
    expect(matchContexts([prod], loaded)).toEqual([
      { clusterId: 3, context: null, candidates: [], reason: 'no-match', notes: [] },
    ]);
  });

  it('has no match for a cluster without an API URL', async () => {
    const loaded = await kubeconfig(
      [{ name: 'c', server: 'https://k8s.example.test' }],
      [{ name: 'ctx', cluster: 'c' }],
    );
    expect(matchContexts([{ ...prod, apiUrl: null }], loaded)[0]?.reason).toBe('no-match');
  });

  it('lists the candidates, sorted, when several contexts reach the server', async () => {
    const loaded = await kubeconfig(
      [
        {
          name: 'prod',
          server: 'https://k8s-prod-eu.example.test:6443',
          caData: b64(pem(CA_PROD)),
        },
      ],
      [
        { name: 'prod-readonly', cluster: 'prod', namespace: 'apps' },
        { name: 'prod-admin', cluster: 'prod' },
        { name: 'prod-deployer', cluster: 'prod', namespace: 'ci' },
      ],
    );
    expect(matchContexts([prod], loaded)).toEqual([
      {
        clusterId: 3,
        context: null,
        candidates: ['prod-admin', 'prod-deployer', 'prod-readonly'],
        reason: 'ambiguous',
        notes: [],
      },
    ]);
  });

  it('reports a CA mismatch instead of matching another cluster behind the same address', async () => {
    const loaded = await kubeconfig(
      [
        {
          name: 'prod',
          server: 'https://k8s-prod-eu.example.test:6443',
          caData: b64(pem(CA_OTHER)),
        },
      ],
      [{ name: 'prod-admin', cluster: 'prod' }],
    );
    const [match] = matchContexts([prod], loaded);
    expect(match).toMatchObject({
      context: null,
      candidates: ['prod-admin'],
      reason: 'ca-mismatch',
    });
    expect(match?.notes.join(' ')).toMatch(/"prod-admin" is not the CA GitLab has for cluster 3/);
  });

  it('uses the CA to pick between contexts for the same address', async () => {
    const loaded = await kubeconfig(
      [
        {
          name: 'old',
          server: 'https://k8s-prod-eu.example.test:6443',
          caData: b64(pem(CA_OTHER)),
        },
        { name: 'new', server: 'https://k8s-prod-eu.example.test:6443', caData: b64(pem(CA_PROD)) },
      ],
      [
        { name: 'prod-old', cluster: 'old' },
        { name: 'prod-new', cluster: 'new' },
      ],
    );
    expect(matchContexts([prod], loaded)[0]).toMatchObject({
      context: 'prod-new',
      candidates: ['prod-new'],
      reason: 'matched',
    });
  });

  it('compares certificate bytes, not text: line breaks, CRLF and bundles do not matter', async () => {
    const oneLine = `-----BEGIN CERTIFICATE-----${CA_PROD.toString('base64')}-----END CERTIFICATE-----`;
    const bundle = `${pem(CA_OTHER)}\n${pem(CA_PROD, '\r\n')}\n`;
    const loaded = await kubeconfig(
      [
        { name: 'a', server: 'https://a.example.test', caData: b64(oneLine) },
        { name: 'b', server: 'https://b.example.test', caData: b64(bundle) },
      ],
      [
        { name: 'ctx-a', cluster: 'a' },
        { name: 'ctx-b', cluster: 'b' },
      ],
    );
    const clusters = [
      { id: 1, apiUrl: 'https://a.example.test', caCert: pem(CA_PROD, '\r\n') },
      { id: 2, apiUrl: 'https://b.example.test', caCert: `  ${pem(CA_PROD)}\n\n` },
    ];
    expect(matchContexts(clusters, loaded).map((m) => [m.context, m.reason])).toEqual([
      ['ctx-a', 'matched'],
      ['ctx-b', 'matched'],
    ]);
    expect(certificateFingerprints(oneLine)).toEqual(certificateFingerprints(pem(CA_PROD)));
    expect(certificateFingerprints(bundle).size).toBe(2);
  });

  it('reads a certificate-authority file, relative to the kubeconfig', async () => {
    await writeFile(join(dir, 'prod-ca.pem'), pem(CA_PROD));
    await writeFile(join(dir, 'other-ca.pem'), pem(CA_OTHER));
    const loaded = await kubeconfig(
      [
        { name: 'right', server: 'https://k8s-prod-eu.example.test:6443', caFile: 'prod-ca.pem' },
        { name: 'wrong', server: 'https://k8s-prod-eu.example.test:6443', caFile: 'other-ca.pem' },
      ],
      [
        { name: 'via-file', cluster: 'right' },
        { name: 'via-other-file', cluster: 'wrong' },
      ],
    );
    expect(matchContexts([prod], loaded)[0]).toMatchObject({
      context: 'via-file',
      reason: 'matched',
    });
  });

  it('matches an insecure-skip-tls-verify context but says its CA was not checked', async () => {
    const loaded = await kubeconfig(
      [{ name: 'prod', server: 'https://k8s-prod-eu.example.test:6443', insecure: true }],
      [{ name: 'prod-insecure', cluster: 'prod' }],
    );
    const [match] = matchContexts([prod], loaded);
    expect(match).toMatchObject({ context: 'prod-insecure', reason: 'matched' });
    expect(match?.notes).toEqual([
      'context "prod-insecure" skips TLS verification (insecure-skip-tls-verify), so its CA was not checked',
    ]);
  });

  it('matches on the address alone when GitLab has no CA for the cluster', async () => {
    const loaded = await kubeconfig(
      [{ name: 'gke', server: 'https://gke.example.test', caData: b64(pem(CA_OTHER)) }],
      [{ name: 'gke', cluster: 'gke' }],
    );
    const [match] = matchContexts(
      [{ id: 11, apiUrl: 'https://gke.example.test', caCert: null }],
      loaded,
    );
    expect(match).toMatchObject({ context: 'gke', reason: 'matched', notes: [] });
  });

  it('--context-for overrides the match, even for an ambiguous or unmatched cluster', async () => {
    const loaded = await kubeconfig(
      [
        {
          name: 'prod',
          server: 'https://k8s-prod-eu.example.test:6443',
          caData: b64(pem(CA_PROD)),
        },
      ],
      [
        { name: 'prod-a', cluster: 'prod' },
        { name: 'prod-b', cluster: 'prod' },
      ],
    );
    const clusters = [prod, { id: 9, apiUrl: 'https://elsewhere.example.test', caCert: null }];
    expect(matchContexts(clusters, loaded, { 3: 'prod-b', 9: 'prod-a' })).toEqual([
      { clusterId: 3, context: 'prod-b', candidates: ['prod-b'], reason: 'override', notes: [] },
      { clusterId: 9, context: 'prod-a', candidates: ['prod-a'], reason: 'override', notes: [] },
    ]);
    // Without the override the same cluster is ambiguous.
    expect(matchContexts([prod], loaded)[0]?.reason).toBe('ambiguous');
  });

  it('refuses an override naming an unknown context, listing the available ones', async () => {
    const loaded = await kubeconfig(
      [{ name: 'prod', server: 'https://k8s-prod-eu.example.test:6443' }],
      [
        { name: 'zeta', cluster: 'prod' },
        { name: 'alpha', cluster: 'prod' },
      ],
    );
    let error: unknown;
    try {
      matchContexts([prod], loaded, { 3: 'prod-typo' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      '--context-for: the kubeconfig has no context "prod-typo".',
    );
    expect((error as UserError).hint).toBe('Available contexts: alpha, zeta.');
  });
});
