// The migrate wizard driven through its real inquirer prompts: keystrokes go into a stream that
// claims to be a terminal, each prompt draws into its own stream, and the answers run the real
// apply against the GitLab simulator and the demo's simulated clusters over loopback HTTP.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection.js';
import { normaliseApiUrl } from '../../src/discovery/api-url.js';
import { discoverInventory } from '../../src/discovery/discover.js';
import type { Inventory } from '../../src/discovery/types.js';
import { ExitCode } from '../../src/errors.js';
import { listActiveTokens, listAgents, registerAgent } from '../../src/gitlab/agents.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { findVariable } from '../../src/gitlab/variables.js';
import { agentkObjectNames } from '../../src/kube/manifests.js';
import { createOutput } from '../../src/output.js';
import { computePlan } from '../../src/live-state/compute-plan.js';
import { defaultPlanOptions } from '../../src/plan/options.js';
import type { Plan, PlannedAgent } from '../../src/plan/types.js';
import { startDemoClusters, type DemoClusters } from '../../src/simulator/demo-clusters.js';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { isWrite } from '../../src/simulator/kube/server.js';
import { pendingAgents } from '../../src/wizard/ask-migration.js';
import { inquirerPrompter } from '../../src/wizard/prompter.js';
import { runWizard } from '../../src/wizard/run-wizard.js';
import { adminApiToken, demoFixture, testClient, withSimulator } from '../helpers/gitlab.js';

const ENTER = '\r';
const DOWN = '\u001b[B';
const SPACE = ' ';
const CTRL_C = '\u0003';
const BACKSPACE = '\u007f';

const QUESTION = {
  agents: /Which agents should be set up now\?/,
  project: /Configuration project of agent/,
  create: /does not exist \(or this token cannot see it\)\. Create it\?/,
  name: /Name of the agent in/,
  context: /Kube context that installs agentk for/,
  delivery: /How should the agent configuration reach GitLab\?/,
  directory: /Directory to write the agent configuration to/,
  disable: /Turn each old certificate cluster off/,
  fixCi: /deploy job\(s\) in the plan would break but can be fixed/,
  planFile: /Keep the plan and the journal of this run in/,
  go: /Apply \d+ step\(s\) for \d+ agent\(s\) to/,
  vouch: /Is \S+ the same cluster as/,
};

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A terminal for inquirer: keys in through one stream, each prompt's drawing kept apart. */
class FakeTerminal {
  readonly input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
  readonly prompts: string[] = [];
  private answered = 0;
  failure: Error | null = null;
  readonly prompter = inquirerPrompter(() => {
    const index = this.prompts.push('') - 1;
    const output = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.prompts[index] += chunk.toString();
        callback();
      },
    });
    return { input: this.input, output };
  });

  async until(ready: () => boolean, what: () => string): Promise<void> {
    for (let waited = 0; !ready(); waited += 5) {
      if (this.failure) throw this.failure;
      if (waited > 20_000) throw new Error(`timed out waiting: ${what()}`);
      await tick();
    }
  }

  /** The text of the prompt being answered, once it asks `question`. */
  async current(question: RegExp): Promise<string> {
    const index = this.answered;
    await this.until(
      () => this.prompts.length > index && question.test(plain(this.prompts[index]!)),
      () =>
        `prompt ${index + 1} to ask ${question}; it shows: ${plain(this.prompts[index] ?? '(nothing yet)')}`,
    );
    return plain(this.prompts[index]!);
  }

  async press(...keys: string[]): Promise<void> {
    for (const key of keys) {
      this.input.write(key);
      await tick();
    }
  }

  /** Waits for `question`, sends `keys`, and moves on to the next prompt. */
  async answer(question: RegExp, ...keys: string[]): Promise<string> {
    const text = await this.current(question);
    await this.press(...keys);
    this.answered += 1;
    return text;
  }

  /** Sends keys to the current prompt and waits for it to show `text` (a validation message). */
  async expectShown(question: RegExp, keys: string[], text: string): Promise<void> {
    await this.current(question);
    await this.press(...keys);
    const index = this.answered;
    await this.until(
      () => plain(this.prompts[index]!).includes(text),
      () => `"${text}" in: ${plain(this.prompts[index]!)}`,
    );
  }

  transcript(): string {
    return plain(this.prompts.join('\n'));
  }
}

interface Session {
  simulator: GitLabSimulator;
  client: GitLabClient;
  inventory: Inventory;
  plan: Plan;
  terminal: FakeTerminal;
  /** what the wizard printed besides its prompts */
  printed: () => string;
  /** the demo's clusters, once the wizard has started them */
  clusters: () => DemoClusters;
  /** runs the wizard to its end while `drive` answers it */
  run: (drive: () => Promise<void>, extra?: RunExtra) => Promise<ExitCode>;
}

interface RunExtra {
  planPath?: string | null;
  /** a real instance instead of the demo: the kubeconfig to use */
  kubeconfig?: string;
}

async function session(simulator: GitLabSimulator, before?: (c: GitLabClient) => Promise<void>) {
  const fixture = demoFixture();
  const client = testClient(simulator.url, adminApiToken(fixture));
  await before?.(client);
  const inventory = await discoverInventory(client);
  const plan = await computePlan(client, inventory, defaultPlanOptions());
  simulator.clearRequests();
  let demo: DemoClusters | undefined;
  const connection: Connection = {
    client,
    url: simulator.url,
    demo: true,
    startDemoClusters: async (urls) => {
      demo = await startDemoClusters(simulator, urls, { rolloutDelayMs: 10 });
      return demo;
    },
    close: async () => {},
  };
  let printed = '';
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      printed += chunk.toString();
      callback();
    },
  });
  const terminal = new FakeTerminal();
  const result: Session = {
    simulator,
    client,
    inventory,
    plan,
    terminal,
    printed: () => printed,
    clusters: () => demo!,
    run: async (drive, extra = {}) => {
      const wizard = runWizard({
        plan,
        inventory,
        connection: extra.kubeconfig ? { ...connection, demo: false } : connection,
        out: createOutput({ color: false, stdout: sink, stderr: sink }),
        prompter: terminal.prompter,
        kubeconfig: extra.kubeconfig,
        overrides: {},
        planPath: extra.planPath ?? null,
        existing: null,
        tuning: { rolloutTimeout: 30, connectionTimeout: 30 },
      });
      wizard.catch((error: unknown) => (terminal.failure = error as Error));
      await drive();
      return wizard;
    },
  };
  return result;
}

const agentIn = (plan: Plan, ref: string): PlannedAgent => {
  const agent = plan.agents.find((a) => a.ref === ref);
  if (!agent) throw new Error(`the demo plan has no agent ${ref}`);
  return agent;
};

/** Checkbox keys that keep exactly `refs`: untick all, then tick each by moving down to it. */
function pickKeys(plan: Plan, refs: string[]): string[] {
  const order = pendingAgents(plan).map((a) => a.ref);
  const wanted = refs.map((ref) => order.indexOf(ref)).sort((a, b) => a - b);
  expect(wanted).not.toContain(-1);
  const keys = ['a'];
  let at = 0;
  for (const index of wanted) {
    keys.push(...Array<string>(index - at).fill(DOWN), SPACE);
    at = index;
  }
  return [...keys, ENTER];
}

const mutating = (simulator: GitLabSimulator) =>
  simulator.requests.filter((r) => !['GET', 'HEAD'].includes(r.method));

function secretsOf(simulator: GitLabSimulator): string[] {
  const fixture = demoFixture();
  return [...fixture.tokens.map((t) => t.token), ...simulator.state.agents.secrets()];
}

async function expectConnected(client: GitLabClient, agent: { project: string; name: string }) {
  const found = (await listAgents(client, agent.project)).find((a) => a.name === agent.name);
  expect(found, `agent ${agent.name} in ${agent.project}`).toBeDefined();
  const tokens = await listActiveTokens(client, agent.project, found!.id);
  expect(tokens.some((t) => t.lastUsedAt != null)).toBe(true);
}

const DATA = 'data/gitlab-agents:data-platform';
const FORECAST = 'data/ml/demand-forecast:forecast-staging';
const PORTAL = 'platform/developer-portal:developer-portal';

describe('migrate wizard', () => {
  it('sets up the picked agents with the pre-selected contexts, leaves a skipped one alone', async () => {
    await withSimulator({ fixture: demoFixture() }, async (simulator) => {
      const s = await session(simulator);
      const data = agentIn(s.plan, DATA);
      const forecast = agentIn(s.plan, FORECAST);
      const portal = agentIn(s.plan, PORTAL);
      let contextPrompt = '';
      const code = await s.run(async () => {
        const t = s.terminal;
        const agents = await t.answer(
          QUESTION.agents,
          ...pickKeys(s.plan, [DATA, FORECAST, PORTAL]),
        );
        expect(agents).toContain(`${DATA}: replaces cluster ${data.clusterIds[0]}`);
        for (const skip of [false, false, true]) {
          await t.answer(QUESTION.project, ENTER);
          await t.answer(QUESTION.name, ENTER);
          // the last agent: move from the pre-selected context down to "Skip"
          const text = await t.current(QUESTION.context);
          contextPrompt ||= text;
          const below = text.split('\n').filter((l) => /^\s*(❯|\s)\s/.test(l));
          const at = below.findIndex((l) => l.includes('❯'));
          await t.answer(
            QUESTION.context,
            ...(skip ? [...Array<string>(below.length - 1 - at).fill(DOWN), ENTER] : [ENTER]),
          );
        }
        await t.answer(QUESTION.delivery, ENTER);
        await t.answer(QUESTION.disable, ENTER);
        await t.answer(QUESTION.go, 'y', ENTER);
      });

      expect(code).toBe(ExitCode.ok);
      expect(contextPrompt).toMatch(/❯ \S+ +\S+ +\(reaches its cluster\)/);
      for (const agent of [data, forecast]) {
        await expectConnected(s.client, agent);
        for (const v of agent.ciVariables.filter((c) => c.key === 'KUBE_CONTEXT')) {
          const found = await findVariable(s.client, v.level, v.owner, v.key, v.environmentScope);
          expect(found?.value).toBe(agent.ref);
        }
        // agentk went to the simulated cluster behind the agent's own API URL, and only there
        const deployment = agentkObjectNames(agent.name).deployment;
        for (const [url, cluster] of s.clusters().simulators) {
          const found = cluster.objects.get('apps/v1', 'Deployment', agent.namespace, deployment);
          expect(found != null, `${agent.ref} on ${url}`).toBe(
            url === normaliseApiUrl(agent.apiUrl),
          );
        }
      }
      const registered = mutating(s.simulator)
        .filter((r) => r.method === 'POST' && r.path.endsWith('/cluster_agents'))
        .map((r) => (r.bodyJson as { name: string }).name)
        .sort();
      expect(registered).toEqual([data.name, forecast.name].sort());
      expect(
        mutating(s.simulator).some((r) => decodeURIComponent(r.path).includes(portal.project)),
      ).toBe(false);
      expect(s.printed()).toContain(`Left as they are for now: ${PORTAL}.`);
      // the wizard takes answers, not flags: its hints say which question to answer
      expect(s.printed()).not.toContain('--disable-old-clusters');
      expect(s.printed()).toContain('run migrate again and answer yes');
      expect(s.printed()).toMatch(/Plan: \d+ agents to create/);
      for (const secret of secretsOf(s.simulator)) {
        expect(s.printed()).not.toContain(secret);
        expect(s.terminal.transcript()).not.toContain(secret);
      }
    });
  }, 60_000);

  it('registers an agent under the name typed in, after refusing an invalid and a taken one', async () => {
    await withSimulator({ fixture: demoFixture() }, async (simulator) => {
      const s = await session(simulator, async (client) => {
        // someone else's agent in the project: the wizard must not adopt it
        await registerAgent(client, 'data/ml/demand-forecast', 'taken');
      });
      const dir = await mkdtemp(join(tmpdir(), 'mc-wizard-'));
      try {
        const planPath = join(dir, 'plan.json');
        const code = await s.run(
          async () => {
            const t = s.terminal;
            await t.answer(QUESTION.agents, ...pickKeys(s.plan, [FORECAST]));
            await t.answer(QUESTION.project, ENTER);
            await t.expectShown(QUESTION.name, ['Bad_Name', ENTER], 'not a valid agent name');
            await t.expectShown(
              QUESTION.name,
              [...Array<string>(8).fill(BACKSPACE), 'taken', ENTER],
              'already has an agent named taken',
            );
            await t.answer(
              QUESTION.name,
              ...Array<string>(5).fill(BACKSPACE),
              'forecast-stg',
              ENTER,
            );
            await t.answer(QUESTION.context, ENTER);
            await t.answer(QUESTION.delivery, ENTER);
            await t.answer(QUESTION.disable, ENTER);
            const go = await t.current(QUESTION.go);
            expect(s.printed()).toContain('Register agent forecast-stg in data/ml/demand-forecast');
            expect(go).toContain('for 1 agent(s)');
            await t.answer(QUESTION.go, 'y', ENTER);
          },
          { planPath },
        );

        expect(code).toBe(ExitCode.ok);
        const names = (await listAgents(s.client, 'data/ml/demand-forecast')).map((a) => a.name);
        expect(names.sort()).toEqual(['forecast-stg', 'taken']);
        await expectConnected(s.client, {
          project: 'data/ml/demand-forecast',
          name: 'forecast-stg',
        });
        const variable = await findVariable(
          s.client,
          'project',
          'data/ml/demand-forecast',
          'KUBE_CONTEXT',
          'staging',
        );
        expect(variable?.value).toBe('data/ml/demand-forecast:forecast-stg');
        // the plan file carries the new name, so a re-run or `status` sees the same agent
        const saved = JSON.parse(await readFile(planPath, 'utf8')) as Plan;
        expect(saved.agents.map((a) => a.ref)).toContain('data/ml/demand-forecast:forecast-stg');
        expect(saved.agents.map((a) => a.ref)).not.toContain(FORECAST);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }, 60_000);

  it('moves an agent to another project of its group, asking before creating a missing one', async () => {
    await withSimulator({ fixture: demoFixture() }, async (simulator) => {
      const s = await session(simulator);
      const forecast = agentIn(s.plan, FORECAST);
      const moved = 'data/ml/feature-store';
      const code = await s.run(async () => {
        const t = s.terminal;
        await t.answer(QUESTION.agents, ...pickKeys(s.plan, [FORECAST]));
        await t.expectShown(QUESTION.project, ['payments/x', ENTER], 'outside data');
        await t.answer(
          QUESTION.project,
          ...Array<string>(10).fill(BACKSPACE),
          'data/new-agents',
          ENTER,
        );
        await t.answer(QUESTION.create, ENTER); // no: asked for the project again
        await t.answer(QUESTION.project, moved, ENTER);
        await t.answer(QUESTION.name, ENTER);
        await t.answer(QUESTION.context, ENTER);
        await t.answer(QUESTION.delivery, ENTER);
        await t.answer(QUESTION.disable, ENTER);
        await t.answer(QUESTION.go, 'y', ENTER);
      });
      expect(code).toBe(ExitCode.ok);
      await expectConnected(s.client, { project: moved, name: forecast.name });
      expect(await listAgents(s.client, forecast.project)).toEqual([]);
      const variable = await findVariable(
        s.client,
        'project',
        forecast.project,
        'KUBE_CONTEXT',
        'staging',
      );
      expect(variable?.value).toBe(`${moved}:${forecast.name}`);
      // no project was created, and environments are not linked across projects
      expect(
        mutating(s.simulator).some((r) => r.method === 'POST' && /\/projects$/.test(r.path)),
      ).toBe(false);
      expect(s.printed()).not.toContain('Link the environments');
    });
  }, 60_000);

  it('shows the warnings, names the chosen context in its CA note, and lists written files as written', async () => {
    await withSimulator({ fixture: demoFixture() }, async (simulator) => {
      const s = await session(simulator);
      const forecast = agentIn(s.plan, FORECAST);
      const code = await s.run(async () => {
        const t = s.terminal;
        await t.answer(QUESTION.agents, ...pickKeys(s.plan, [FORECAST]));
        await t.answer(QUESTION.project, ENTER);
        await t.answer(QUESTION.name, ENTER);
        // not the pre-selected context: the one below it
        const text = await t.answer(QUESTION.context, DOWN, ENTER);
        const lines = text.split('\n').filter((l) => /^( {2}|❯ )\S+ +https?:\/\//.test(l));
        const chosen = /❯ (\S+)/.exec(text)!;
        const names = lines.map((l) => /^\W*(\S+)/.exec(l)![1]!);
        const next = names[names.indexOf(chosen[1]!) + 1]!;
        // the servers start in one column, whatever the names' lengths
        expect(new Set(lines.map((l) => l.indexOf('http')))).toHaveLength(1);
        await t.answer(QUESTION.vouch, 'n', ENTER);
        await t.answer(QUESTION.delivery, DOWN, DOWN, ENTER);
        await t.answer(QUESTION.directory, 'out-dir', ENTER);
        await t.answer(QUESTION.disable, ENTER);
        await t.current(QUESTION.go);
        const printed = s.printed();
        expect(printed).toContain(`context "${next}" trusts the system CAs`);
        expect(printed).not.toContain(`context "${chosen[1]}" trusts the system CAs`);
        expect(printed).toContain(
          `Write ${forecast.configPath} of ${forecast.project} to out-dir, for you to push`,
        );
        expect(printed).not.toMatch(/^\s+- Commit /m);
        await t.answer(QUESTION.go, 'n', ENTER);
      });
      expect(code).toBe(ExitCode.ok);
      // every warning of the plan, in the wizard's own words (the demo has fewer than 20)
      expect(s.plan.warnings.length).toBeGreaterThan(0);
      for (const w of s.plan.warnings) expect(s.printed()).toContain(`${w.code}`);
      expect(s.printed()).toContain(s.plan.warnings[0]!.message.slice(0, 60));
      expect(s.printed()).not.toContain('read them in');
      expect(mutating(s.simulator)).toEqual([]);
    });
  }, 60_000);

  it('writes the configuration files to the chosen directory instead of committing', async () => {
    await withSimulator({ fixture: demoFixture() }, async (simulator) => {
      const s = await session(simulator);
      const forecast = agentIn(s.plan, FORECAST);
      const dir = await mkdtemp(join(tmpdir(), 'mc-wizard-files-'));
      try {
        const code = await s.run(async () => {
          const t = s.terminal;
          await t.answer(QUESTION.agents, ...pickKeys(s.plan, [FORECAST]));
          await t.answer(QUESTION.project, ENTER);
          await t.answer(QUESTION.name, ENTER);
          await t.answer(QUESTION.context, ENTER);
          await t.answer(QUESTION.delivery, DOWN, DOWN, ENTER);
          await t.answer(QUESTION.directory, dir, ENTER);
          await t.answer(QUESTION.disable, ENTER);
          await t.answer(QUESTION.go, 'y', ENTER);
        });
        expect(code).toBe(ExitCode.incomplete); // the files wait for a person to push them
        const written = await readFile(join(dir, forecast.project, forecast.configPath), 'utf8');
        expect(written).toContain('ci_access');
        expect(mutating(s.simulator).some((r) => r.path.includes('/repository/'))).toBe(false);
        // the configuration is not on the default branch: the cut-over waits for a person
        expect(s.printed()).toContain(`/commit-config: push ${join(dir, forecast.project)}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }, 60_000);

  it('without a plan file on a real instance, asks where to keep one and refuses an existing file', async () => {
    await withSimulator({ fixture: demoFixture() }, async (simulator) => {
      const s = await session(simulator);
      const clusters = await startDemoClusters(simulator, [agentIn(s.plan, FORECAST).apiUrl]);
      const dir = await mkdtemp(join(tmpdir(), 'mc-wizard-plan-'));
      try {
        const existing = join(dir, 'existing.json');
        await writeFile(existing, '{}');
        const wanted = join(dir, 'new-plan.json');
        const code = await s.run(
          async () => {
            const t = s.terminal;
            await t.answer(QUESTION.agents, ...pickKeys(s.plan, [FORECAST]));
            await t.answer(QUESTION.project, ENTER);
            await t.answer(QUESTION.name, ENTER);
            const context = await t.answer(QUESTION.context, ENTER);
            expect(context).toContain('(reaches its cluster)');
            await t.answer(QUESTION.delivery, ENTER);
            await t.answer(QUESTION.disable, ENTER);
            await t.expectShown(QUESTION.planFile, [existing, ENTER], `${existing} exists`);
            await t.answer(
              QUESTION.planFile,
              ...Array<string>(existing.length).fill(BACKSPACE),
              wanted,
              ENTER,
            );
            await t.answer(QUESTION.go, 'n', ENTER);
          },
          { kubeconfig: clusters.kubeconfigPath },
        );
        expect(code).toBe(ExitCode.ok);
        expect(s.printed()).toContain('Nothing changed.');
        expect(mutating(s.simulator)).toEqual([]);
        // declined: no plan file either
        expect(existsSync(wanted)).toBe(false);
        expect(await readFile(existing, 'utf8')).toBe('{}');
      } finally {
        await clusters.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }, 30_000);

  describe('cancelled', () => {
    function expectNothingChanged(s: Session, code: ExitCode) {
      expect(code).toBe(ExitCode.ok);
      expect(s.printed()).toMatch(/Cancelled; nothing was changed\.|Nothing changed\./);
      expect(mutating(s.simulator)).toEqual([]);
      for (const cluster of s.clusters().simulators.values())
        expect(cluster.requests.filter(isWrite)).toEqual([]);
    }

    it('with Ctrl-C at the first question', async () => {
      await withSimulator({ fixture: demoFixture() }, async (simulator) => {
        const s = await session(simulator);
        const code = await s.run(() => s.terminal.answer(QUESTION.agents, CTRL_C).then(() => {}));
        expectNothingChanged(s, code);
      });
    }, 30_000);

    it('with Ctrl-C in the middle, after a rename', async () => {
      await withSimulator({ fixture: demoFixture() }, async (simulator) => {
        const s = await session(simulator);
        const code = await s.run(async () => {
          const t = s.terminal;
          await t.answer(QUESTION.agents, ...pickKeys(s.plan, [FORECAST]));
          await t.answer(QUESTION.project, ENTER);
          await t.answer(QUESTION.name, 'other-name', ENTER);
          await t.answer(QUESTION.context, CTRL_C);
        });
        expectNothingChanged(s, code);
      });
    }, 30_000);

    it('by answering no at the final confirmation, after listing every change', async () => {
      await withSimulator({ fixture: demoFixture() }, async (simulator) => {
        const s = await session(simulator);
        const data = agentIn(s.plan, DATA);
        const code = await s.run(async () => {
          const t = s.terminal;
          await t.answer(QUESTION.agents, ...pickKeys(s.plan, [DATA]));
          await t.answer(QUESTION.project, ENTER);
          await t.answer(QUESTION.name, ENTER);
          await t.answer(QUESTION.context, ENTER);
          await t.answer(QUESTION.delivery, ENTER);
          await t.answer(QUESTION.disable, 'y', ENTER);
          await t.answer(QUESTION.fixCi, ENTER);
          await t.answer(QUESTION.go, ENTER); // the default is no
        });
        expectNothingChanged(s, code);
        for (const step of s.plan.steps.filter((st) => st.agent === data.ref))
          expect(s.printed()).toContain(step.description);
        expect(s.printed()).not.toContain('The old certificate clusters stay on.');
      });
    }, 30_000);
  });
});
