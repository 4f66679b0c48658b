// Loading kubeconfig files the way kubectl does, from files written to a temporary directory, and
// one KubeConfig per context: clients made from two of them talk to their own server with their
// own credentials, over real HTTP on loopback.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { UserError } from '../../src/errors.js';
import {
  assertKubeconfigFound,
  contextNames,
  kubeConfigForContext,
  loadKubeconfig,
} from '../../src/kube/kubeconfig.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-kubeconfig-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Entry {
  context: string;
  cluster?: string;
  user?: string;
  server?: string;
  token?: string;
  namespace?: string;
  caFile?: string;
  /** insecure-skip-tls-verify, which client-node requires for an http:// server */
  insecure?: boolean;
}

/** A kubeconfig as kubectl writes it. */
function kubeconfigYaml(entries: Entry[], currentContext?: string): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    ...(currentContext ? { 'current-context': currentContext } : {}),
    clusters: entries.map((e) => ({
      name: e.cluster ?? e.context,
      cluster: {
        server: e.server ?? `https://${e.context}.example.test:6443`,
        ...(e.caFile ? { 'certificate-authority': e.caFile } : {}),
        ...(e.insecure ? { 'insecure-skip-tls-verify': true } : {}),
      },
    })),
    users: entries.map((e) => ({ name: e.user ?? e.context, user: { token: e.token ?? 'x' } })),
    contexts: entries.map((e) => ({
      name: e.context,
      context: {
        cluster: e.cluster ?? e.context,
        user: e.user ?? e.context,
        ...(e.namespace ? { namespace: e.namespace } : {}),
      },
    })),
  });
}

let fileCount = 0;
async function write(text: string, name = `config-${++fileCount}`): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** Runs fn and returns the UserError it throws. */
function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

const oneLine = (error: UserError) => `${error.message} ${error.hint ?? ''}`;

describe('loadKubeconfig', () => {
  it('reads --kubeconfig FILE, resolving relative CA paths against its directory', async () => {
    await mkdir(join(dir, 'certs'), { recursive: true });
    const file = await write(
      kubeconfigYaml(
        [{ context: 'prod', caFile: 'certs/prod-ca.pem' }, { context: 'staging' }],
        'prod',
      ),
    );
    const loaded = loadKubeconfig({ kubeconfig: file, env: {} });
    expect(loaded.files).toEqual([file]);
    expect(contextNames(loaded)).toEqual(['prod', 'staging']);
    expect(loaded.config.getCurrentContext()).toBe('prod');
    expect(loaded.config.getCluster('prod')?.caFile).toBe(join(dir, 'certs', 'prod-ca.pem'));
    expect(loaded.shadowed).toEqual([]);
  });

  it('--kubeconfig wins over KUBECONFIG and ~/.kube/config', async () => {
    const flag = await write(kubeconfigYaml([{ context: 'from-flag' }]));
    const env = await write(kubeconfigYaml([{ context: 'from-env' }]));
    const loaded = loadKubeconfig({ kubeconfig: flag, env: { KUBECONFIG: env }, homeDir: dir });
    expect(contextNames(loaded)).toEqual(['from-flag']);
  });

  it('merges KUBECONFIG files the way kubectl does: the first definition of a name wins', async () => {
    const first = await write(
      kubeconfigYaml([
        { context: 'shared', server: 'https://first.example.test' },
        { context: 'only-first' },
      ]),
    );
    const second = await write(
      kubeconfigYaml(
        [{ context: 'shared', server: 'https://second.example.test' }, { context: 'only-second' }],
        'only-second',
      ),
    );
    const loaded = loadKubeconfig({ env: { KUBECONFIG: [first, second].join(delimiter) } });
    expect(loaded.files).toEqual([first, second]);
    expect(contextNames(loaded)).toEqual(['only-first', 'only-second', 'shared']);
    expect(loaded.config.getCluster('shared')?.server).toBe('https://first.example.test');
    // The first file sets no current-context, so the second's counts.
    expect(loaded.config.getCurrentContext()).toBe('only-second');
    expect(loaded.shadowed).toEqual([
      `cluster "shared" (${second})`,
      `user "shared" (${second})`,
      `context "shared" (${second})`,
    ]);
    // What client-node's own merge does with the same files:
    const naive = new KubeConfig();
    naive.loadFromFile(first);
    const other = new KubeConfig();
    other.loadFromFile(second);
    expect(() => naive.mergeConfig(other)).toThrow(/Duplicate/);
  });

  it('skips KUBECONFIG entries that do not exist, like kubectl', async () => {
    const real = await write(kubeconfigYaml([{ context: 'real' }]));
    const loaded = loadKubeconfig({
      env: { KUBECONFIG: [join(dir, 'missing'), '', real].join(delimiter) },
    });
    expect(loaded.files).toEqual([real]);
  });

  it('falls back to ~/.kube/config', async () => {
    const home = join(dir, 'home');
    await mkdir(join(home, '.kube'), { recursive: true });
    await writeFile(join(home, '.kube', 'config'), kubeconfigYaml([{ context: 'home' }]));
    expect(contextNames(loadKubeconfig({ env: { HOME: home } }))).toEqual(['home']);
    expect(contextNames(loadKubeconfig({ env: {}, homeDir: home }))).toEqual(['home']);
  });

  it.each([
    [
      'no KUBECONFIG and no ~/.kube/config',
      () => ({ env: { HOME: join(dir, 'nobody') } }),
      /No kubeconfig found: .*nobody.*\.kube.config does not exist/,
    ],
    [
      'KUBECONFIG naming only missing files',
      () => ({ env: { KUBECONFIG: join(dir, 'gone') } }),
      /No kubeconfig found: none of the files in KUBECONFIG exist/,
    ],
    [
      'a missing --kubeconfig',
      () => ({ kubeconfig: join(dir, 'nope.yaml'), env: {} }),
      /nope\.yaml does not exist/,
    ],
  ])('says plainly that there is no kubeconfig: %s', (_, options, message) => {
    const error = userError(() => loadKubeconfig(options()));
    expect(oneLine(error)).toMatch(message);
    expect(error.hint).toMatch(/--kubeconfig/);
  });

  it.each([
    ['invalid YAML', 'clusters: [\n  - name: a\n  cluster: {', /invalid YAML/],
    ['a list instead of a mapping', '- a\n- b\n', /not a kubeconfig/],
    [
      'a cluster without a server',
      'clusters:\n  - name: a\n    cluster: {}\n',
      /clusters\[0\]\.cluster\.server is missing/,
    ],
    [
      'a context without a cluster',
      'contexts:\n  - name: a\n    context: {user: u}\n',
      /contexts\[0\]\.context\.cluster is missing/,
    ],
  ])('turns a broken file into one clear line: %s', async (_, text, message) => {
    const file = await write(text);
    const error = userError(() => loadKubeconfig({ kubeconfig: file, env: {} }));
    expect(error.message).toContain(`Cannot read the kubeconfig ${file}`);
    expect(error.message).toMatch(message);
    expect(oneLine(error)).not.toContain('\n');
  });

  it('reports a kubeconfig path that cannot be read', async () => {
    const folder = join(dir, 'a-directory');
    await mkdir(folder, { recursive: true });
    const error = userError(() => loadKubeconfig({ kubeconfig: folder, env: {} }));
    expect(error.message).toBe(`Cannot read the kubeconfig ${folder}: EISDIR.`);
  });

  it('accepts an empty file among others, and refuses a kubeconfig without any context', async () => {
    const empty = await write('');
    const real = await write(kubeconfigYaml([{ context: 'real' }]));
    const loaded = loadKubeconfig({ env: { KUBECONFIG: [empty, real].join(delimiter) } });
    expect(contextNames(loaded)).toEqual(['real']);
    const error = userError(() => loadKubeconfig({ kubeconfig: empty, env: {} }));
    expect(error.message).toMatch(/has no contexts/);
  });
});

describe('assertKubeconfigFound', () => {
  it("detects client-node's silent fallback to http://localhost:8080", async () => {
    const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG };
    const fallback = new KubeConfig();
    try {
      process.env.HOME = join(dir, 'empty-home');
      delete process.env.KUBECONFIG;
      await mkdir(process.env.HOME, { recursive: true });
      fallback.loadFromDefault();
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(fallback.getCurrentCluster()?.server).toBe('http://localhost:8080');
    const error = userError(() => assertKubeconfigFound(fallback));
    expect(error.message).toMatch(/^No kubeconfig found/);

    const real = await write(kubeconfigYaml([{ context: 'real' }], 'real'));
    const loaded = new KubeConfig();
    loaded.loadFromFile(real);
    expect(() => assertKubeconfigFound(loaded)).not.toThrow();
  });
});

/** A loopback API server that answers every request with an empty list and records it. */
async function recordingServer(): Promise<{
  url: string;
  seen: IncomingMessage[];
  server: Server;
}> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('kubeConfigForContext', () => {
  it('gives each context its own KubeConfig, so clients keep their cluster and credentials', async () => {
    const a = await recordingServer();
    const b = await recordingServer();
    try {
      const file = await write(
        kubeconfigYaml(
          [
            {
              context: 'alpha',
              server: a.url,
              token: 'token-for-alpha',
              namespace: 'ns-a',
              insecure: true,
            },
            { context: 'beta', server: b.url, token: 'token-for-beta', insecure: true },
          ],
          'alpha',
        ),
      );
      const loaded = loadKubeconfig({ kubeconfig: file, env: {} });
      const alpha = kubeConfigForContext(loaded, 'alpha');
      const beta = kubeConfigForContext(loaded, 'beta');
      expect(beta.getCurrentContext()).toBe('beta');
      expect(beta.getContexts().map((c) => c.name)).toEqual(['beta']);
      // The loaded config itself is left alone.
      expect(loaded.config.getCurrentContext()).toBe('alpha');

      const alphaApi = alpha.makeApiClient(CoreV1Api);
      const betaApi = beta.makeApiClient(CoreV1Api);
      await betaApi.listNamespace();
      await alphaApi.listNamespace();
      await betaApi.listNamespace();
      expect(a.seen.map((r) => [r.url, r.headers.authorization])).toEqual([
        ['/api/v1/namespaces', 'Bearer token-for-alpha'],
      ]);
      expect(b.seen.map((r) => [r.url, r.headers.authorization])).toEqual([
        ['/api/v1/namespaces', 'Bearer token-for-beta'],
        ['/api/v1/namespaces', 'Bearer token-for-beta'],
      ]);
    } finally {
      a.server.close();
      b.server.close();
    }
  });

  it("serverOverride sends the context's requests elsewhere with the context's credentials", async () => {
    const sim = await recordingServer();
    try {
      const file = await write(
        kubeconfigYaml(
          [{ context: 'prod', server: 'https://k8s-prod.example.test:6443', token: 'prod-token' }],
          'prod',
        ),
      );
      const loaded = loadKubeconfig({ kubeconfig: file, env: {} });
      const config = kubeConfigForContext(loaded, 'prod', { serverOverride: sim.url });
      await config.makeApiClient(CoreV1Api).listNamespace();
      expect(sim.seen.map((r) => r.headers.authorization)).toEqual(['Bearer prod-token']);
      expect(config.getCurrentCluster()).toMatchObject({ server: sim.url, skipTLSVerify: true });
      // Matching still sees the real address.
      expect(loaded.config.getCluster('prod')?.server).toBe('https://k8s-prod.example.test:6443');
    } finally {
      sim.server.close();
    }
  });

  it('refuses an unknown context, listing the available ones', async () => {
    const file = await write(kubeconfigYaml([{ context: 'b' }, { context: 'a' }]));
    const loaded = loadKubeconfig({ kubeconfig: file, env: {} });
    const error = userError(() => kubeConfigForContext(loaded, 'c'));
    expect(error.message).toBe('the kubeconfig has no context "c".');
    expect(error.hint).toBe('Available contexts: a, b.');
  });

  it('refuses a context whose cluster or user is not defined', async () => {
    const file = await write(
      YAML.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://c.example.test' } }],
        users: [],
        contexts: [
          { name: 'no-cluster', context: { cluster: 'missing' } },
          { name: 'no-user', context: { cluster: 'c', user: 'ghost' } },
        ],
      }),
    );
    const loaded = loadKubeconfig({ kubeconfig: file, env: {} });
    expect(userError(() => kubeConfigForContext(loaded, 'no-cluster')).message).toMatch(
      /names the cluster "missing"/,
    );
    expect(userError(() => kubeConfigForContext(loaded, 'no-user')).message).toMatch(
      /names the user "ghost"/,
    );
  });
});
