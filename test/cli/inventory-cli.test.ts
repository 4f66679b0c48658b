// @module-tag slow
// The built CLI, run as a user runs it: output, exit codes, and one clear line on bad input.
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { contractErrors, validateInventory } from '../helpers/contracts.js';
import { adminApiToken, demoFixture, tokenOf } from '../helpers/gitlab.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';

const readUserToken = 'glpat-demo-read-user-only-000000';
const demo: GitLabFixture = (() => {
  const fixture = demoFixture();
  return {
    ...fixture,
    tokens: [...fixture.tokens, { token: readUserToken, user: 'root', scopes: ['read_user'] }],
  };
})();
const allTokens = demo.tokens.map((t) => t.token);
const flagOff: GitLabFixture = {
  ...demo,
  instance: {
    ...demo.instance,
    featureFlags: { ...demo.instance.featureFlags, certificate_based_clusters: false },
  },
};

let sim: GitLabSimulator;
let flagOffSim: GitLabSimulator;
/** a port that was free a moment ago: nothing listens there */
let closedPort = 0;
beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  sim = await startGitLabSimulator({ fixture: demo });
  flagOffSim = await startGitLabSimulator({ fixture: flagOff });
});
afterAll(async () => {
  await sim.close();
  await flagOffSim.close();
});

const noTokenIn = (text: string) => allTokens.filter((t) => text.includes(t));

describe('migrate-clusters --help', () => {
  it('lists the commands with examples', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/inventory\s/);
    expect(stdout).toMatch(/simulate\s/);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('migrate-clusters inventory --demo');
  });

  it('help COMMAND shows that command; an unknown one gets one line, not the whole help', async () => {
    const plan = await runCli(['help', 'plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Usage: migrate-clusters plan');
    const bogus = await runCli(['help', 'bogus']);
    expect(bogus.code).toBe(1);
    expect(bogus.stdout).toBe('');
    expect(bogus.stderr.split('\n')[0]).toBe("error: unknown command 'bogus'");
    expect(bogus.stderr).not.toContain('Usage:');
  });

  it('version and -v print the version of package.json', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    for (const args of [['version'], ['-v'], ['--version']]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('documents inventory flags', async () => {
    const { code, stdout } = await runCli(['inventory', '--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--json',
      '--group',
      '--demo',
      '--gitlab-url',
      '--concurrency',
      '--strategy',
    ])
      expect(stdout).toContain(flag);
  });
});

describe('migrate-clusters inventory', () => {
  it('--demo prints every demo cluster in a table, with no setup and no token in the output', async () => {
    const { code, stdout, stderr } = await runCli(['inventory', '--demo', '--no-color']);
    expect(code).toBe(0);
    for (const cluster of demo.clusters)
      expect(stdout).toMatch(new RegExp(`^${cluster.id}\\s+${cluster.level}\\s`, 'm'));
    expect(stdout).toMatch(new RegExp(`${demo.clusters.length} certificate clusters`));
    expect(noTokenIn(stdout + stderr)).toEqual([]);
  });

  it('--json prints only the contract on stdout', async () => {
    const { code, stdout, stderr } = await runCli(
      ['inventory', '--json', '--gitlab-url', sim.url],
      { GITLAB_TOKEN: adminApiToken(demo) },
    );
    expect(code).toBe(0);
    const inventory = JSON.parse(stdout) as {
      clusters: { id: number }[];
      gitlab: { apiCalls: number };
    };
    expect(contractErrors(validateInventory, inventory)).toEqual([]);
    expect(inventory.clusters.map((c) => c.id)).toEqual(
      demo.clusters.map((c) => c.id).sort((a, b) => a - b),
    );
    expect(inventory.gitlab.apiCalls).toBeGreaterThan(0);
    expect(noTokenIn(stdout + stderr)).toEqual([]);
  });

  it('takes the instance from GITLAB_URL / CI_SERVER_URL and the token from --token without echoing it', async () => {
    const token = adminApiToken(demo);
    const { code, stdout, stderr } = await runCli(
      ['inventory', '--json', '--token', token, '--verbose'],
      { CI_SERVER_URL: sim.url },
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'migrate-clusters/inventory' });
    expect(noTokenIn(stdout + stderr)).toEqual([]);
  });

  it('--verbose logs each GitLab request (method, path, status, time) and names the request it retries', async () => {
    const faulty = await startGitLabSimulator({ fixture: demo, faults: { errorEvery: 5 } });
    try {
      const token = adminApiToken(demo);
      const { code, stderr } = await runCli(
        ['inventory', '--json', '--gitlab-url', faulty.url, '--verbose', '--no-color'],
        { GITLAB_TOKEN: token },
      );
      expect(code).toBe(0);
      const requests = stderr.split('\n').filter((l) => l.startsWith('gitlab '));
      expect(requests.length).toBe(faulty.requests.length);
      expect(requests).toContainEqual(
        expect.stringMatching(/^gitlab GET \/api\/v4\/metadata 200 \d+ ms$/),
      );
      expect(requests).toContainEqual(
        expect.stringMatching(/^gitlab GET \/api\/v4\/\S+ 500 \d+ ms$/),
      );
      expect(stderr).toMatch(/^retrying GET \/api\/v4\/\S+ \(HTTP 500, attempt 2\) in \d+ ms$/m);
      expect(noTokenIn(stderr)).toEqual([]);
    } finally {
      await faulty.close();
    }
  });

  it('-o yaml prints the same inventory as --json, as YAML', async () => {
    const env = { GITLAB_TOKEN: adminApiToken(demo) };
    const json = await runCli(['inventory', '--json', '--gitlab-url', sim.url], env);
    const yaml = await runCli(['inventory', '-o', 'yaml', '--gitlab-url', sim.url], env);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^kind: migrate-clusters\/inventory$/m);
    const fromYaml = parseYaml(yaml.stdout) as Record<string, unknown>;
    expect(contractErrors(validateInventory, fromYaml)).toEqual([]);
    // the API-call count in gitlab differs run to run; all else is the same
    const withoutCalls = (o: Record<string, unknown>) => ({
      ...o,
      gitlab: { ...(o.gitlab as object), apiCalls: 0 },
    });
    expect(withoutCalls(fromYaml)).toEqual(
      withoutCalls(JSON.parse(json.stdout) as Record<string, unknown>),
    );
  });

  it('without --verbose, says nothing of requests', async () => {
    const { code, stderr } = await runCli(['inventory', '--json', '--gitlab-url', sim.url], {
      GITLAB_TOKEN: adminApiToken(demo),
    });
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/^gitlab GET/m);
  });

  it('a TLS handshake with a plain-HTTP port fails at once, in words, with the http:// to try', async () => {
    const host = new URL(sim.url).host;
    const before = sim.requests.length;
    const { code, stderr } = await runCli(['inventory', '--gitlab-url', host, '--verbose'], {
      GITLAB_TOKEN: adminApiToken(demo),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `TLS handshake failed \\(ERR_SSL_\\w+\\).*give http://${host.replace(/\./g, '\\.')}`,
      ),
    );
    // asked once, not retried for ten seconds
    expect(stderr).not.toMatch(/retrying/);
    expect(stderr.match(/^gitlab GET/gm)).toHaveLength(1);
    expect(sim.requests.length).toBe(before);
  });

  it('--group takes the group address copied from the browser', async () => {
    const run = (group: string) =>
      runCli(['inventory', '--json', '--gitlab-url', sim.url, '--group', group], {
        GITLAB_TOKEN: adminApiToken(demo),
      });
    const byPath = await run('platform');
    expect(byPath.code, byPath.stderr).toBe(0);
    for (const address of [`${sim.url}/platform`, `${sim.url}/groups/platform/-/clusters`]) {
      const byAddress = await run(address);
      expect(byAddress.code, byAddress.stderr).toBe(0);
      const inventory = JSON.parse(byAddress.stdout) as { scope: string[]; clusters: unknown[] };
      expect(inventory.scope).toEqual(['platform']);
      expect(inventory.clusters).toEqual((JSON.parse(byPath.stdout) as typeof inventory).clusters);
    }
  });

  it('warns, and still succeeds, when the token is not an administrator', async () => {
    const token = tokenOf(demo, (t, admin) => !admin && t.scopes.includes('api'));
    const { code, stdout } = await runCli(['inventory', '--no-color', '--gitlab-url', sim.url], {
      GITLAB_TOKEN: token,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('[instance-clusters-not-visible]');
  });

  const badInput: [string, () => string[], Record<string, string>, RegExp][] = [
    [
      'no GitLab URL',
      () => ['inventory'],
      { GITLAB_TOKEN: 'glpat-x-000000000000' },
      /No GitLab instance given.*--gitlab-url/,
    ],
    [
      'no token',
      () => ['inventory', '--gitlab-url', sim.url],
      {},
      /No GitLab token given.*GITLAB_TOKEN/,
    ],
    [
      'a port nothing listens on',
      () => ['inventory', '--gitlab-url', `http://127.0.0.1:${closedPort}`],
      { GITLAB_TOKEN: 'glpat-x-000000000000' },
      /Cannot reach GitLab at http:\/\/127\.0\.0\.1:\d+: the connection was refused .*\(ECONNREFUSED\)/,
    ],
    [
      'a port fetch refuses',
      () => ['inventory', '--gitlab-url', 'http://127.0.0.1:9'],
      { GITLAB_TOKEN: 'glpat-x-000000000000' },
      /Cannot reach GitLab at http:\/\/127\.0\.0\.1:9: Node's fetch refuses that port/,
    ],
    [
      'a URL with a path GitLab does not serve (an HTML 404)',
      () => ['inventory', '--gitlab-url', `${sim.url}/gitlab`],
      { GITLAB_TOKEN: 'glpat-x-000000000000' },
      /with an HTML page \(text\/html\) and HTTP 404, not JSON\. Is --gitlab-url the GitLab address/,
    ],
    [
      'a bad token',
      () => ['inventory', '--gitlab-url', sim.url],
      { GITLAB_TOKEN: 'glpat-wrong-0000000000000' },
      /rejected the token \(401 Unauthorized\)/,
    ],
    [
      'a token without read_api',
      () => ['inventory', '--gitlab-url', sim.url],
      { GITLAB_TOKEN: readUserToken },
      /lacks the scope.*read_api/,
    ],
    [
      'an unknown group',
      () => ['inventory', '--gitlab-url', sim.url, '--group', 'nope/nothing'],
      { GITLAB_TOKEN: adminApiToken(demo) },
      /Group "nope\/nothing" was not found/,
    ],
    [
      'a personal namespace as --group',
      () => ['inventory', '--gitlab-url', sim.url, '--group', 'ines'],
      { GITLAB_TOKEN: adminApiToken(demo) },
      /"ines" is a user's personal namespace, not a group: --group takes groups only\. Leave out --group/,
    ],
    [
      'a group address on another host',
      () => [
        'inventory',
        '--gitlab-url',
        sim.url,
        '--group',
        'https://gitlab.example.com/platform',
      ],
      { GITLAB_TOKEN: adminApiToken(demo) },
      /--group https:\/\/gitlab\.example\.com\/platform is on gitlab\.example\.com, but the GitLab being read is 127\.0\.0\.1:\d+\./,
    ],
    [
      'the feature flag off',
      () => ['inventory', '--gitlab-url', flagOffSim.url],
      { GITLAB_TOKEN: adminApiToken(demo) },
      /feature flag is off.*Feature\.enable/,
    ],
    [
      'a bad --concurrency',
      () => ['inventory', '--demo', '--concurrency', 'lots'],
      {},
      /--concurrency must be a whole number/,
    ],
  ];

  it.each(badInput)('%s: one clear line and exit 1', async (_name, args, env, message) => {
    const { code, stdout, stderr } = await runCli([...args(), '--verbose'], env);
    // nothing here gets better by asking again
    expect(stderr).not.toMatch(/retrying/);
    const requestLines = stderr.split('\n').filter((l) => l.startsWith('gitlab '));
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
    const errorLines = stderr
      .split('\n')
      .filter((l) => !requestLines.includes(l))
      .join('\n');
    if (!/concurrency/.test(String(message))) expect(isOneClearLine(errorLines)).toBe(true);
    expect(noTokenIn(stdout + stderr)).toEqual([]);
    expect(stderr).not.toContain('glpat-wrong-0000000000000');
  });
});
