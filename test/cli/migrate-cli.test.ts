// @module-tag slow
// `migrate` through the built CLI: without a terminal it refuses in one line before reaching GitLab;
// `--help` shows examples; and in a real pseudo-terminal (util-linux `script`) the whole demo
// journey runs, and Ctrl-C at the first question changes nothing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import type { Plan } from '../../src/plan/types.js';
import { adminApiToken, demoFixture, withSimulator } from '../helpers/gitlab.js';
import { binPath, isOneClearLine, runCli } from '../helpers/run-cli.js';

const fixture = demoFixture();
const fixtureTokens = fixture.tokens.map((t) => t.token);
const hasScript = spawnSync('script', ['--version']).status === 0;

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Z0-9]|\r/g, '');

describe('migrate-clusters migrate without a terminal', () => {
  it('refuses in one line that points to apply --yes, before any request to GitLab', async () => {
    await withSimulator({ fixture }, async (simulator) => {
      const result = await runCli(['migrate', '--gitlab-url', simulator.url], {
        GITLAB_TOKEN: adminApiToken(fixture),
      });
      expect(result.code).toBe(1);
      expect(isOneClearLine(result.stderr)).toBe(true);
      expect(result.stderr).toContain('needs a terminal');
      expect(result.stderr).toContain('migrate-clusters apply plan.json --yes');
      expect(result.stdout).toBe('');
      expect(simulator.requests).toEqual([]);
      for (const token of fixtureTokens) expect(result.stderr).not.toContain(token);
    });
  });

  it('refuses with --demo too, so CI never waits on a question', async () => {
    const result = await runCli(['migrate', '--demo']);
    expect(result.code).toBe(1);
    expect(isOneClearLine(result.stderr)).toBe(true);
    expect(result.stderr).not.toContain('Demo:');
  });

  it('--help shows the flags and examples', async () => {
    const result = await runCli(['migrate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--plan <file>');
    expect(result.stdout).toContain('--context-for <id=context>');
    expect(result.stdout).toMatch(/Examples:\n\s+\$ migrate-clusters migrate --demo/);
    expect(result.stdout).toContain('apply plan.json --yes');
  });
});

/** The CLI in a pseudo-terminal: what it draws, and keys typed into it. */
function inTerminal(args: string[], env: Record<string, string> = {}, columns = 160) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(GITLAB_|CI_SERVER_URL|CI$|FORCE_COLOR|NO_COLOR)/.test(k),
    ),
  );
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols ${columns} rows 50; exec ${[process.execPath, binPath, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...base, TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  let done = false;
  void exited.then(() => (done = true));
  let mark = 0;
  return {
    exited,
    output: () => plain(output),
    /** Waits for an active prompt (`? message`) drawn since the last answer, then types `keys`. */
    async answer(question: RegExp, ...keys: string[]) {
      for (let waited = 0; !question.test(plain(output.slice(mark))); waited += 20) {
        if (done || waited > 30_000)
          throw new Error(`no ${question} in:\n${plain(output.slice(mark)).slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      mark = output.length;
      for (const key of keys) {
        child.stdin.write(key);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    kill: () => child.kill('SIGKILL'),
  };
}

describe.skipIf(!hasScript)('migrate-clusters migrate --demo in a pseudo-terminal', () => {
  it('runs the journey for the agent picked: registered, connected, no token shown', async () => {
    const planned = await runCli(['plan', '--demo', '--format', 'json']);
    const first = (JSON.parse(planned.stdout) as Plan).agents.find((a) => a.status !== 'done')!;
    const term = inTerminal(['migrate', '--demo']);
    try {
      // untick all, tick the first, submit
      await term.answer(/\? Which agents should be set up now\?/, 'a', ' ', '\r');
      await term.answer(/\? Configuration project of agent/, '\r');
      await term.answer(/\? Name of the agent in/, '\r');
      await term.answer(/\? Kube context that installs agentk for/, '\r');
      await term.answer(/\? How should the agent configuration reach GitLab\?/, '\r');
      await term.answer(/\? Turn each old certificate cluster off/, '\r');
      await term.answer(/\? Apply \d+ step\(s\) for 1 agent\(s\)/, 'y', '\r');
      expect(await term.exited).toBe(0);
    } finally {
      term.kill();
    }
    const output = term.output();
    expect(output).toContain(`${first.ref} — taken over: connected, configured`);
    expect(output).toMatch(
      /\d+ changed · \d+ already done · \d+ skipped · 0 need a person · 0 failed/,
    );
    expect(output).not.toContain('glagent-');
    for (const token of fixtureTokens) expect(output).not.toContain(token);
  }, 90_000);

  it('does not tick an agent whose configuration waits for a person to push it', async () => {
    const planned = await runCli(['plan', '--demo', '--format', 'json']);
    const first = (JSON.parse(planned.stdout) as Plan).agents.find((a) => a.status !== 'done')!;
    const dir = await mkdtemp(join(tmpdir(), 'mc-migrate-files-'));
    const term = inTerminal(['migrate', '--demo']);
    try {
      await term.answer(/\? Which agents should be set up now\?/, 'a', ' ', '\r');
      await term.answer(/\? Configuration project of agent/, '\r');
      await term.answer(/\? Name of the agent in/, '\r');
      await term.answer(/\? Kube context that installs agentk for/, '\r');
      await term.answer(
        /\? How should the agent configuration reach GitLab\?/,
        '\u001b[B',
        '\u001b[B',
        '\r',
      );
      await term.answer(/\? Directory to write the agent configuration to/, join(dir, 'out'), '\r');
      await term.answer(/\? Turn each old certificate cluster off/, '\r');
      await term.answer(/\? Apply \d+ step\(s\) for 1 agent\(s\)/, 'y', '\r');
      expect(await term.exited).toBe(ExitCode.incomplete);
    } finally {
      term.kill();
      await rm(dir, { recursive: true, force: true });
    }
    const output = term.output();
    expect(output).toContain(`${first.ref} — needs a person: push `);
    expect(output).not.toContain(`${first.ref} — taken over`);
    expect(output).not.toContain('--disable-old-clusters');
  }, 90_000);

  it('exits 0 with "Cancelled; nothing was changed." on Ctrl-C at the first question', async () => {
    const term = inTerminal(['migrate', '--demo']);
    try {
      await term.answer(/\? Which agents should be set up now\?/, '\u0003');
      expect(await term.exited).toBe(0);
    } finally {
      term.kill();
    }
    expect(term.output()).toContain('Cancelled; nothing was changed.');
  }, 60_000);

  it('apply --only lists the steps of the agent it asks about, and only those', async () => {
    const planned = await runCli(['plan', '--demo', '--format', 'json']);
    const plan = JSON.parse(planned.stdout) as Plan;
    const [one, other] = plan.agents.filter((a) => a.status !== 'done');
    const term = inTerminal(['apply', '--demo', '--only', one!.ref]);
    try {
      await term.answer(/\? Apply \d+ step\(s\) for 1 agent\(s\)/, 'n', '\r');
      expect(await term.exited).toBe(0);
    } finally {
      term.kill();
    }
    const output = term.output();
    const asked = output.slice(0, output.indexOf('? Apply'));
    expect(asked).toContain('About to change:');
    for (const step of plan.steps.filter((s) => s.agent === one!.ref))
      expect(asked).toContain(
        step.description.replace(/ \(only with --disable-old-clusters\)/, ''),
      );
    expect(asked).not.toContain(other!.ref);
  }, 60_000);

  it('apply in a terminal that reports 0 columns prints plain lines, not a character per line', async () => {
    const term = inTerminal(['apply', '--demo', '--yes', '--dry-run'], {}, 0);
    expect(await term.exited).toBe(0);
    const lines = term.output().split(/\r?\n/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^✔ data\/gitlab-agents:data-platform\/create-project — would create project data\/gitlab-agents$/,
      ),
    );
    expect(lines.filter((l) => l.length === 1)).toEqual([]);
  }, 60_000);

  it('apply: Ctrl-C at the confirmation exits 0 with the same words, no internal error', async () => {
    const term = inTerminal(['apply', '--demo']);
    try {
      await term.answer(/\? Apply \d+ step\(s\) for \d+ agent\(s\)/, '\u0003');
      expect(await term.exited).toBe(0);
    } finally {
      term.kill();
    }
    expect(term.output()).toContain('Cancelled; nothing was changed.');
    expect(term.output()).not.toMatch(/internal error|ExitPromptError/);
  }, 60_000);

  it('apply: Ctrl-C while it runs stops cleanly, says how to resume and exits 130', async () => {
    const term = inTerminal(['apply', '--demo', '--yes']);
    try {
      await term.answer(/Register agent/, '\u0003');
      expect(await term.exited).toBe(130);
    } finally {
      term.kill();
    }
    expect(term.output()).toContain('Interrupted; run apply again to resume.');
    expect(term.output()).not.toMatch(/internal error/);
  }, 60_000);

  it('refuses a stale --plan in one line, before any question', async () => {
    const planned = await runCli(['plan', '--demo', '--format', 'json']);
    const plan = JSON.parse(planned.stdout) as Plan;
    plan.clusters[0]!.environmentScope = 'edited-by-hand';
    const dir = await mkdtemp(join(tmpdir(), 'mc-migrate-cli-'));
    try {
      const file = join(dir, 'plan.json');
      await writeFile(file, JSON.stringify(plan));
      const term = inTerminal(['migrate', '--demo', '--plan', file]);
      expect(await term.exited).toBe(1);
      const output = term.output();
      expect(output).toMatch(/error: .*plan\.json is stale: cluster \d+ .*environment scope/);
      expect(output).not.toContain('Which agents');
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(plan);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('still refuses in a terminal when CI is set', async () => {
    const term = inTerminal(['migrate', '--demo'], { CI: 'true' });
    expect(await term.exited).toBe(1);
    expect(term.output()).toContain('needs a terminal');
  }, 30_000);
});
