// Every credential a kubeconfig can produce stays out of what is printed, and exec plugins run from
// where kubectl runs them. A real exec credential plugin (a shell script written to a temporary
// directory, printing an ExecCredential) gives its token to real client-node, which sends it to the
// Kubernetes simulator; the simulator, like some API servers and proxies, echoes the request's
// headers in its error messages. The end-to-end view through the built CLI is in
// test/cli/kube-credentials-cli.test.ts.
import { CoreV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { UserError } from '../../src/errors.js';
import { poolConnections } from '../../src/kube/clients.js';
import { callKube } from '../../src/kube/call-kube.js';
import { kubeConfigForContext, loadKubeconfig } from '../../src/kube/kubeconfig.js';
import { redact } from '../../src/redact.js';
import { startKubeSimulator, type KubeSimulator } from '../../src/simulator/kube/server.js';
import { execKubeconfig, writePlugin } from '../helpers/exec-plugin.js';

let dir: string;
const running: KubeSimulator[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-credentials-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function simulator(token: string): Promise<KubeSimulator> {
  const sim = await startKubeSimulator({ token });
  running.push(sim);
  return sim;
}

const readDefault = (kc: ReturnType<typeof kubeConfigForContext>) => {
  const api = poolConnections(kc).makeApiClient(CoreV1Api);
  return callKube(kc, 'read', 'Namespace default', () => api.readNamespace({ name: 'default' }));
};

describe('exec credential plugins', { tags: ['slow'] }, () => {
  it('runs a relative command beside the kubeconfig that names it, as kubectl does', async () => {
    const token = 'exec-plugin-token-aaaaaaaaaaaaaaaa';
    const sim = await simulator(token);
    const home = join(dir, 'relative');
    await writePlugin(join(home, 'bin'), 'plugin.sh', token);
    const file = join(home, 'config');
    await writeFile(
      file,
      execKubeconfig([{ context: 'eks', server: sim.url, command: './bin/plugin.sh' }]),
    );
    // the test's working directory is not the kubeconfig's: the command resolves there anyway
    const loaded = loadKubeconfig({ kubeconfig: file });
    expect(loaded.config.getUser('eks')?.exec).toMatchObject({
      command: join(home, 'bin', 'plugin.sh'),
    });
    const ns = await readDefault(kubeConfigForContext(loaded, 'eks'));
    expect(ns.metadata?.name).toBe('default');
  });

  it('with a KUBECONFIG list, resolves each command beside its own file; a bare name stays for PATH', async () => {
    const one = join(dir, 'list-one');
    const two = join(dir, 'list-two');
    await writePlugin(one, 'auth.sh', 'token-of-file-one-aaaaaaaaa');
    await writePlugin(two, 'auth.sh', 'token-of-file-two-bbbbbbbbb');
    const [simOne, simTwo] = [
      await simulator('token-of-file-one-aaaaaaaaa'),
      await simulator('token-of-file-two-bbbbbbbbb'),
    ];
    await writeFile(
      join(one, 'config'),
      execKubeconfig([{ context: 'one', server: simOne.url, command: './auth.sh' }]),
    );
    await writeFile(
      join(two, 'config'),
      execKubeconfig([
        { context: 'two', server: simTwo.url, command: './auth.sh' },
        { context: 'gke', server: simTwo.url, command: 'gke-gcloud-auth-plugin' },
        { context: 'abs', server: simTwo.url, command: join(two, 'auth.sh') },
      ]),
    );
    const loaded = loadKubeconfig({
      env: { KUBECONFIG: [join(one, 'config'), join(two, 'config')].join(delimiter) },
    });
    const command = (user: string) =>
      (loaded.config.getUser(user)?.exec as { command: string }).command;
    expect(command('one')).toBe(join(one, 'auth.sh'));
    expect(command('two')).toBe(join(two, 'auth.sh'));
    expect(command('gke')).toBe('gke-gcloud-auth-plugin');
    expect(command('abs')).toBe(join(two, 'auth.sh'));
    for (const context of ['one', 'two'])
      expect((await readDefault(kubeConfigForContext(loaded, context))).metadata?.name).toBe(
        'default',
      );
  });

  it("never lets the plugin's token through when the API server echoes the request headers", async () => {
    const token = 'exec-plugin-token-echoed-cccccccccccc';
    const sim = await simulator(token);
    await writePlugin(join(dir, 'echo'), 'plugin.sh', token);
    const file = join(dir, 'echo', 'config');
    await writeFile(
      file,
      execKubeconfig([{ context: 'eks-echo', server: sim.url, command: './plugin.sh' }]),
    );
    // a user name of its own: client-node caches exec credentials by user name, process-wide
    const kc = kubeConfigForContext(loadKubeconfig({ kubeconfig: file }), 'eks-echo');
    sim.setEchoRequestHeaders(true);
    sim.setFaults({ errorEvery: 1, methods: ['DELETE'] });
    const api = poolConnections(kc).makeApiClient(CoreV1Api);
    const error = await callKube(kc, 'delete', 'Namespace default', () =>
      api.deleteNamespace({ name: 'default' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as UserError).message;
    // the server did echo it: this is the message the user would see without redaction
    expect(message).toContain(token);
    expect(message).toContain('request headers');
    expect(redact(message)).not.toContain(token);
    expect(redact(message)).toContain('"Authorization":["Bearer [REDACTED]"]');
    // the token became a secret when the request carried it, wherever it appears now
    expect(redact(`token ${token}.`)).toBe('token [REDACTED].');
  });
});

describe('credentials in the kubeconfig itself', () => {
  it('registers static tokens, passwords, client keys and auth-provider tokens as secrets', async () => {
    const key =
      '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFakeKeyMaterial0123456789\n-----END EC PRIVATE KEY-----\n';
    const file = join(dir, 'static-config');
    await writeFile(
      file,
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'oidc',
        clusters: [{ name: 'c', cluster: { server: 'https://c.example.test' } }],
        users: [
          { name: 'static', user: { token: 'static-token-dddddddddddd' } },
          { name: 'basic', user: { username: 'admin', password: 'basic-password-eeeeeeee' } },
          {
            name: 'cert',
            user: {
              'client-certificate-data': Buffer.from('not a secret').toString('base64'),
              'client-key-data': Buffer.from(key).toString('base64'),
            },
          },
          {
            name: 'oidc',
            user: {
              'auth-provider': {
                name: 'oidc',
                config: {
                  'client-id': 'kubernetes',
                  'client-secret': 'oidc-client-secret-ffffffff',
                  'id-token': 'oidc-id-token-gggggggggggg',
                  'refresh-token': 'oidc-refresh-token-hhhhhhhh',
                  'idp-issuer-url': 'https://issuer.example.test',
                },
              },
            },
          },
          {
            name: 'aws',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: 'aws',
                env: [
                  { name: 'AWS_PROFILE', value: 'production-profile' },
                  { name: 'AWS_SECRET_ACCESS_KEY', value: 'aws-secret-key-iiiiiiiiii' },
                ],
              },
            },
          },
        ],
        contexts: [{ name: 'oidc', context: { cluster: 'c', user: 'oidc' } }],
      }),
    );
    loadKubeconfig({ kubeconfig: file });
    for (const secret of [
      'static-token-dddddddddddd',
      'basic-password-eeeeeeee',
      Buffer.from('admin:basic-password-eeeeeeee').toString('base64'),
      key,
      Buffer.from(key).toString('base64'),
      'oidc-client-secret-ffffffff',
      'oidc-id-token-gggggggggggg',
      'oidc-refresh-token-hhhhhhhh',
      'aws-secret-key-iiiiiiiiii',
    ])
      expect(redact(`x ${secret} y`), secret).toBe('x [REDACTED] y');
    // what is not a credential stays readable
    expect(redact('https://issuer.example.test production-profile')).toBe(
      'https://issuer.example.test production-profile',
    );
  });

  it('hides a credential it never saw when it stands in an Authorization header', () => {
    for (const [text, shown] of [
      ['Authorization: Bearer never-registered-1234', 'Authorization: Bearer [REDACTED]'],
      ['{"Authorization":["Basic dXNlcjpwYXNz"]}', '{"Authorization":["Basic [REDACTED]"]}'],
      ['authorization=Bearer abc.def.ghi; next', 'authorization=Bearer [REDACTED]; next'],
      ['Basic information about bearer tokens', 'Basic information about bearer tokens'],
      ['Authorization: Token glpat-never-registered', 'Authorization: Token [REDACTED]'],
    ])
      expect(redact(text!)).toBe(shown);
  });

  it('leaves prose about authorization alone (the plan header is not a header)', () => {
    for (const text of [
      'discovery: discovery-api · instance authorization: off · generated 2026-12-03',
      'instance authorization: off\n\nAgent data/gitlab-agents:data-platform  new',
      'instance authorization: on · generated',
      'Authorization: basically none',
    ])
      expect(redact(text)).toBe(text);
  });
});
