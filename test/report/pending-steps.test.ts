import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { PENDING_LINES_SHOWN, renderPendingSteps } from '../../src/report/pending-steps.js';
import { PlanBuilder, realisticPlan } from './plan-builder.js';

const plain = new Chalk({ level: 0 });

describe('renderPendingSteps', () => {
  it('lists every step under its agent, and says which old clusters stay on', () => {
    const plan = realisticPlan();
    const agents = plan.agents.filter((a) => plan.steps.some((s) => s.agent === a.ref));
    const text = renderPendingSteps(agents.slice(0, 1), plan.steps, {
      disableOldClusters: false,
      configVia: 'commit',
      color: plain,
    });
    const own = plan.steps.filter((s) => s.agent === agents[0]!.ref);
    expect(text.split('\n')).toEqual([
      'About to change:',
      `  ${agents[0]!.ref}`,
      ...own.map(
        (s) => `    - ${s.description}${s.kind === 'disable-cluster' ? ': not this time' : ''}`,
      ),
    ]);
    for (const other of agents.slice(1)) expect(text).not.toContain(other.ref);
  });

  it('says the commit step as the delivery chosen does it', () => {
    const plan = realisticPlan();
    const agent = plan.agents.find((a) =>
      plan.steps.some((s) => s.agent === a.ref && s.kind === 'commit-config'),
    )!;
    const line = (configVia: 'commit' | 'merge-request' | 'files') =>
      renderPendingSteps([agent], plan.steps, {
        disableOldClusters: false,
        configVia,
        color: plain,
      })
        .split('\n')
        .find((l) => l.includes(agent.configPath))!;
    expect(line('commit')).toBe(`    - Commit ${agent.configPath} to ${agent.project}`);
    expect(line('files')).toBe(
      `    - Write ${agent.configPath} for ${agent.project} as a file to push`,
    );
    expect(line('merge-request')).toBe(
      `    - Propose ${agent.configPath} for ${agent.project} in a merge request`,
    );
  });

  it('cuts a long list at a screen and counts the rest', () => {
    const builder = new PlanBuilder();
    for (let i = 1; i <= 20; i++)
      builder
        .cluster({ id: i, name: `c${i}`, level: 'group', owner: `g${i}`, action: 'migrate' })
        .agent({ name: `a${i}`, project: `g${i}/agents`, clusterIds: [i] });
    const plan = builder.build();
    const text = renderPendingSteps(plan.agents, plan.steps, {
      disableOldClusters: true,
      configVia: 'commit',
      color: plain,
    });
    const lines = text.split('\n');
    expect(lines).toHaveLength(PENDING_LINES_SHOWN + 2);
    const listed = lines.filter((l) => l.startsWith('    - ')).length;
    expect(lines.at(-1)).toBe(
      `  … and ${plan.steps.length - listed} more step(s): \`apply --dry-run\` lists them all.`,
    );
  });
});
