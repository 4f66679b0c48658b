// @module-tag slow
// `plan` through the built CLI on the demo: the contract, exit codes, report files, and the
// demo's reports as reviewed snapshots (fixtures/demo-reports/).
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Plan } from '../../src/plan/types.js';
import { contractErrors, validatePlan } from '../helpers/contracts.js';
import { demoFixture } from '../helpers/gitlab.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';

const tokens = demoFixture().tokens.map((t) => t.token);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The demo's port and the clock are the only things that differ between runs. */
const stable = (text: string) =>
  text
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, 'http://gitlab.demo.test')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '2026-01-01T00:00:00.000Z');

describe('migrate-clusters plan --demo', () => {
  it('writes plan.json and every report, valid and free of tokens, and exits 2 with --detailed-exitcode', async () => {
    const reports = join(dir, 'reports');
    const out = join(dir, 'plan.json');
    const { code, stdout, stderr } = await runCli([
      'plan',
      '--demo',
      '--out',
      out,
      '--report-dir',
      reports,
      '--format',
      'json',
      '--detailed-exitcode',
    ]);
    expect(code).toBe(2);
    const plan = JSON.parse(stdout) as Plan;
    expect(contractErrors(validatePlan, plan)).toEqual([]);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(plan);
    expect((await readdir(reports)).sort()).toEqual([
      'plan.json',
      'plan.junit.xml',
      'plan.md',
      'plan.txt',
    ]);
    const everything = [
      stdout,
      stderr,
      ...(await Promise.all(
        (await readdir(reports)).map((f) => readFile(join(reports, f), 'utf8')),
      )),
    ].join('\n');
    expect(tokens.filter((t) => everything.includes(t))).toEqual([]);
    // JUnit tells people to apply the file that was written, not a fixed name
    const junit = await readFile(join(reports, 'plan.junit.xml'), 'utf8');
    expect(junit).toContain(`Run \`migrate-clusters apply ${out}\``);
    // The demo has something of every kind.
    expect(plan.summary.toMigrate).toBeGreaterThan(0);
    expect(plan.summary.skipped).toBeGreaterThan(0);
    expect(plan.agents.length).toBeGreaterThan(3);
  });

  it('prints the table for people by default, piped too; --json and -o yaml give the same data', async () => {
    const piped = await runCli(['plan', '--demo', '--no-color']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).not.toMatch(/^\{/);
    expect(piped.stdout).toMatch(/\bagents?\b/i);
    expect(stable(piped.stdout).trimEnd()).toBe(
      stable(await readFile(join('fixtures', 'demo-reports', 'plan.txt'), 'utf8')).trimEnd(),
    );
    const json = JSON.parse((await runCli(['plan', '--demo', '--json'])).stdout) as Plan;
    const yamlRun = await runCli(['plan', '--demo', '-o', 'yaml']);
    expect(yamlRun.code, yamlRun.stderr).toBe(0);
    const fromYaml = parseYaml(yamlRun.stdout) as Plan;
    expect(contractErrors(validatePlan, fromYaml)).toEqual([]);
    const comparable = (p: Plan) => JSON.parse(stable(JSON.stringify(p))) as unknown;
    expect(comparable(fromYaml)).toEqual(comparable(json));
  });

  it('exits 0 without --detailed-exitcode', async () => {
    const { code } = await runCli(['plan', '--demo', '--format', 'json']);
    expect(code).toBe(0);
  });

  it.each(['plan.md', 'plan.junit.xml', 'plan.txt', 'plan.json'])(
    '%s matches the reviewed snapshot',
    async (name) => {
      const reports = join(dir, 'snapshot');
      const { code } = await runCli([
        'plan',
        '--demo',
        '--report-dir',
        reports,
        '--format',
        'json',
      ]);
      expect(code).toBe(0);
      // the reports name the plan file they came with; the folder is this run's temporary one
      const text = stable(await readFile(join(reports, name), 'utf8')).replaceAll(
        `${reports}/`,
        'reports/',
      );
      await expect(text).toMatchFileSnapshot(`../../fixtures/demo-reports/${name}`);
    },
  );

  it('prints Markdown and JUnit on request', async () => {
    const md = await runCli(['plan', '--demo', '--format', 'markdown']);
    expect(md.stdout).toMatch(/^# /m);
    const junit = await runCli(['plan', '--demo', '--format', 'junit']);
    expect(junit.stdout).toMatch(/^<\?xml/);
    expect(junit.stdout).toContain('<testsuite');
  });

  it.each([
    [['--context-for', 'abc'], /--context-for expects KEY=VALUE/],
    [['--context-for', 'prod=ctx'], /--context-for needs a cluster id/],
    [
      ['--context-for', '99=ctx', '--context-for', '6=staging-admin'],
      /--context-for 99: no certificate cluster has that id here\. The ids here are 1, 2, .*, 15:/,
    ],
    [['--agent-project', 'acme'], /--agent-project expects KEY=VALUE.*--agent-project payments=/],
    [
      ['--agent-project-name', 'Bad Name!'],
      /--agent-project-name: "Bad Name!" .* is not a valid GitLab path/,
    ],
    [['--agent-project', 'data=data/-agents'], /--agent-project data=data\/-agents: "-agents"/],
    [
      ['--agent-project', 'paymnts=paymnts/agents'],
      /--agent-project paymnts: no agent of this plan is under that group\. ROOT is a top-level group with agents: data, ines, logistics, payments, platform\./,
    ],
    [['--out', '/dev/null/plan.json'], /Cannot write \/dev\/null\/plan\.json/],
  ])('bad input %j: one clear line, exit 1', async (args, message) => {
    const { code, stderr } = await runCli(['plan', '--demo', ...args]);
    expect(code).toBe(1);
    expect(stderr.replace(/^Demo: .*\n/m, '')).toMatch(message);
    expect(isOneClearLine(stderr.replace(/^Demo: .*\n/m, ''))).toBe(true);
  });
});

describe('plan options through the CLI', () => {
  const planWith = async (args: string[]) => {
    const { code, stdout, stderr } = await runCli(['plan', '--demo', '--format', 'json', ...args]);
    expect(code, stderr).toBe(0);
    const plan = JSON.parse(stdout) as Plan;
    expect(contractErrors(validatePlan, plan)).toEqual([]);
    return plan;
  };

  it('--tier premium maps managed clusters to ci_job access and an environment template', async () => {
    const free = await planWith([]);
    const premium = await planWith(['--tier', 'premium']);
    expect(free.warnings.map((w) => w.code)).toContain('managed-resources-need-premium');
    expect(premium.warnings.map((w) => w.code)).not.toContain('managed-resources-need-premium');
    const templated = premium.agents.filter((a) => a.environmentTemplate != null);
    expect(templated.length).toBeGreaterThan(0);
    for (const a of templated) {
      const entries = [
        ...(a.config.ci_access?.projects ?? []),
        ...(a.config.ci_access?.groups ?? []),
      ];
      expect(entries.some((e) => 'ci_job' in (e.access_as ?? {}))).toBe(true);
    }
    expect(premium.options.tier).toBe('premium');
  });

  it('--agent-project puts a top-level group’s agents in the chosen project', async () => {
    const plan = await planWith(['--agent-project', 'payments=payments/checkout/checkout-api']);
    const payments = plan.agents.filter((a) => a.rootNamespace === 'payments');
    expect(payments.length).toBeGreaterThan(1);
    for (const a of payments) {
      expect(a.project).toBe('payments/checkout/checkout-api');
      expect(a.createProject).toBe(false);
    }
  });

  it('--context-for names the kube context of a cluster’s agent', async () => {
    const plan = await planWith(['--context-for', '6=staging-admin']);
    const agent = plan.agents.find((a) => a.clusterIds.includes(6))!;
    expect(agent.kubeContext).toBe('staging-admin');
    expect(plan.agents.filter((a) => a.kubeContext != null)).toHaveLength(1);
  });
});
