// @module-tag slow
// The built CLI against a GitLab simulator whose answers cannot be trusted: one clear line, exit 1,
// and nothing written (no plan file, no report directory). And api_urls GitLab would refuse, or
// that carry a password: warned about, planned without an agent, the password nowhere.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/discovery/types.js';
import type { Plan } from '../../src/plan/types.js';
import {
  startGitLabSimulator,
  type FaultPlan,
  type GitLabSimulator,
} from '../../src/simulator/gitlab/server.js';
import { contractErrors, validateInventory, validatePlan } from '../helpers/contracts.js';
import { adminApiToken, demoFixture } from '../helpers/gitlab.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';

const demo = demoFixture();
const token = adminApiToken(demo);
const PASSWORD = 'hunter2-very-secret';
const oddDemo = (() => {
  const fixture = demoFixture();
  const urls: Record<number, string> = {
    8: 'not a url',
    10: 'ftp://k8s-staging.kestrel.test',
    11: 'https://[::1',
    12: 'k8s-data.kestrel.test:6443',
    14: `https://deployer:${PASSWORD}@k8s-tools.kestrel.test:6443`,
  };
  for (const c of fixture.clusters)
    if (urls[c.id] !== undefined) c.platform_kubernetes.api_url = urls[c.id]!;
  return fixture;
})();

let sim: GitLabSimulator;
let oddSim: GitLabSimulator;
let dir: string;
beforeAll(async () => {
  sim = await startGitLabSimulator({ fixture: demo });
  oddSim = await startGitLabSimulator({ fixture: oddDemo });
  dir = await mkdtemp(join(tmpdir(), 'mc-hostile-'));
});
afterAll(async () => {
  await sim.close();
  await oddSim.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sim.setFaults(null);
  sim.clearRequests();
});

const env = { GITLAB_TOKEN: token };
const payments = demo.groups.find((g) => g.path === 'payments' && !g.parent)!;

const hostile: [string, FaultPlan, RegExp][] = [
  [
    'a 200 HTML page on a cluster list',
    {
      hostile: [
        {
          pathPattern: `/groups/(${payments.id}|payments)/clusters$`,
          answer: { kind: 'html-page' },
        },
      ],
    },
    /^error: GitLab answered GET \/api\/v4\/groups\/\S+\/clusters with an HTML page \(text\/html\), not JSON\. Is --gitlab-url the GitLab address, or is a login proxy in front of it\?$/,
  ],
  [
    'a 60 MB body',
    { hostile: [{ pathPattern: '/groups$', answer: { kind: 'oversized', bytes: 60_000_000 } }] },
    /^error: GitLab answered GET \/api\/v4\/groups with more than 20 MB/,
  ],
  [
    'a wrong-shaped discovery answer',
    {
      hostile: [
        {
          pathPattern: '/discover-cert-based-clusters',
          answer: { kind: 'json', body: { groups: 'x', projects: 5 } },
        },
      ],
    },
    /not what GitLab sends there: \/groups must be object; \/projects must be object\./,
  ],
  [
    'an x-next-page that loops',
    { hostile: [{ pathPattern: '/clusters$', answer: { kind: 'next-page-loop' } }] },
    /\(page 2\) with x-next-page 2, which does not move past page 2: its pagination loops\./,
  ],
];

describe('hostile GitLab answers through the CLI', () => {
  it.each(hostile)('inventory: %s is one clear line and exit 1', async (_, faults, line) => {
    sim.setFaults(faults);
    const { code, stdout, stderr } = await runCli(
      ['inventory', '--json', '--gitlab-url', sim.url],
      env,
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(isOneClearLine(stderr)).toBe(true);
    expect(stderr.trim()).toMatch(line);
    expect(stderr).not.toContain(token);
  });

  it.each(hostile)('plan: %s writes no plan and no reports', async (name, faults, line) => {
    sim.setFaults(faults);
    const out = join(dir, `${name.replace(/\W+/g, '-')}.json`);
    const reports = join(dir, `${name.replace(/\W+/g, '-')}-reports`);
    const { code, stdout, stderr } = await runCli(
      ['plan', '--gitlab-url', sim.url, '--out', out, '--report-dir', reports, '--format', 'json'],
      env,
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(isOneClearLine(stderr)).toBe(true);
    expect(stderr.trim()).toMatch(line);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(reports)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.includes(name.replace(/\W+/g, '-')))).toEqual([]);
    // bounded: a loop used to send tens of thousands of requests
    expect(sim.requests.length).toBeLessThan(200);
  });
});

describe('api_url checks through the CLI', () => {
  it('plan warns per cluster, plans no agent on a bad URL, and writes the password nowhere', async () => {
    const out = join(dir, 'odd-plan.json');
    const reports = join(dir, 'odd-reports');
    const { code, stdout, stderr } = await runCli(
      [
        'plan',
        '--gitlab-url',
        oddSim.url,
        '--out',
        out,
        '--report-dir',
        reports,
        '--format',
        'json',
      ],
      env,
    );
    expect(stderr).not.toMatch(/internal error/);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as Plan;
    expect(contractErrors(validatePlan, plan)).toEqual([]);
    const skipped = plan.clusters.filter((c) => [8, 10, 11, 12].includes(c.id));
    expect(skipped.map((c) => [c.id, c.action, c.agents])).toEqual([
      [8, 'skip', []],
      [10, 'skip', []],
      [11, 'skip', []],
      [12, 'skip', []],
    ]);
    expect(
      plan.warnings
        .filter((w) => w.code === 'invalid-api-url')
        .map((w) => w.clusterId)
        .sort(),
    ).toEqual([10, 11, 12, 8]);
    expect(plan.warnings.find((w) => w.code === 'api-url-credentials')?.clusterId).toBe(14);

    const written = [
      stdout,
      stderr,
      await readFile(out, 'utf8'),
      ...(await Promise.all(
        (await readdir(reports)).map((f) => readFile(join(reports, f), 'utf8')),
      )),
    ].join('\n');
    expect(written).not.toContain(PASSWORD);
    expect(written).not.toContain('deployer:');
    expect(written).not.toContain('k8s-data.kestrel.test://');
  });

  it('inventory JSON and table carry no password either', async () => {
    const json = await runCli(['inventory', '--json', '--gitlab-url', oddSim.url], env);
    expect(json.code).toBe(0);
    const inventory = JSON.parse(json.stdout) as Inventory;
    expect(contractErrors(validateInventory, inventory)).toEqual([]);
    expect(inventory.clusters.find((c) => c.id === 14)!.apiUrl).toBe(
      'https://k8s-tools.kestrel.test:6443',
    );
    const table = await runCli(['inventory', '--no-color', '--gitlab-url', oddSim.url], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('[invalid-api-url]');
    for (const text of [json.stdout, json.stderr, table.stdout, table.stderr])
      expect(text).not.toContain(PASSWORD);
  });
});
