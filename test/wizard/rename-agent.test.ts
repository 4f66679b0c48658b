// renameAgent against the demo's plan: a renamed or moved agent must look exactly as if the
// planner had chosen that name or project (compared with the planner's own output), stay valid
// against the plan contract, and leave every other agent alone. Bad names are refused.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/discovery/types.js';
import { discoverInventory } from '../../src/discovery/discover.js';
import { UserError } from '../../src/errors.js';
import { agentNamespace } from '../../src/plan/agent-name.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { emptyLiveState } from '../../src/plan/live-state.js';
import { defaultPlanOptions, type PlanOptions } from '../../src/plan/options.js';
import { renameAgent, renameProblem } from '../../src/plan/rename-agent.js';
import type { Plan, PlannedAgent } from '../../src/plan/types.js';
import { contractErrors, validatePlan } from '../helpers/contracts.js';
import { adminApiToken, demoFixture, testClient, withSimulator } from '../helpers/gitlab.js';

let inventory: Inventory;
beforeAll(async () => {
  const fixture = demoFixture();
  inventory = await withSimulator({ fixture }, (sim) =>
    discoverInventory(testClient(sim.url, adminApiToken(fixture))),
  );
});

const options = (extra: Partial<PlanOptions> = {}): PlanOptions => ({
  ...defaultPlanOptions(),
  now: () => new Date('2026-01-02T03:04:05Z'),
  ...extra,
});
const planOf = (inv: Inventory = inventory, extra: Partial<PlanOptions> = {}) =>
  buildPlan(inv, emptyLiveState(), options(extra));

const agentOf = (plan: Plan, ref: string): PlannedAgent => {
  const found = plan.agents.find((a) => a.ref === ref);
  if (!found) throw new Error(`no agent ${ref}; have ${plan.agents.map((a) => a.ref).join(', ')}`);
  return found;
};
/** The single agent replacing cluster `id`. */
const agentFor = (plan: Plan, id: number) => plan.agents.find((a) => a.clusterIds.includes(id))!;
const stepsOf = (plan: Plan, ref: string) => plan.steps.filter((s) => s.agent === ref);

describe('renameAgent', () => {
  it('renames as the planner would have named it: ref, paths, namespace, variables, steps, clusters', () => {
    const plan = planOf();
    const before = structuredClone(plan);
    // a project cluster's own agent: its name comes from the cluster's name
    const target = plan.agents.find((a) => a.project === inventoryOwnerOf(a))!;
    const clusterId = target.clusterIds[0]!;
    const renamedInventory = structuredClone(inventory);
    renamedInventory.clusters.find((c) => c.id === clusterId)!.name = 'renamed-by-hand';
    const expected = planOf(renamedInventory);
    const expectedAgent = agentFor(expected, clusterId);
    expect(expectedAgent.name).toBe('renamed-by-hand');

    const result = renameAgent(plan, target.ref, {
      project: target.project,
      name: 'renamed-by-hand',
    });

    expect(contractErrors(validatePlan, result)).toEqual([]);
    expect(agentOf(result, expectedAgent.ref)).toEqual(expectedAgent);
    expect(stepsOf(result, expectedAgent.ref)).toEqual(stepsOf(expected, expectedAgent.ref));
    expect(result.clusters.find((c) => c.id === clusterId)!.agents).toEqual([expectedAgent.ref]);
    // nothing mentions the old ref any more, and the input plan is untouched
    expect(JSON.stringify(result.agents)).not.toContain(`"${target.ref}"`);
    expect(result.steps.some((s) => s.id.startsWith(`${target.ref}/`))).toBe(false);
    expect(plan).toEqual(before);
    // every other agent and its steps are as they were, in the same order
    const others = (p: Plan, ref: string) => p.agents.filter((a) => a.ref !== ref);
    expect(others(result, expectedAgent.ref)).toEqual(others(plan, target.ref));
    expect(result.steps.filter((s) => s.agent !== expectedAgent.ref)).toEqual(
      plan.steps.filter((s) => s.agent !== target.ref),
    );
    expect(result.steps.map((s) => s.agent)).toEqual(
      plan.steps.map((s) => (s.agent === target.ref ? expectedAgent.ref : s.agent)),
    );
  });

  it('moves agents to another project as --agent-project would: create step, no environment link, KUBE_CONTEXT', () => {
    const plan = planOf();
    const root = 'data';
    const moved = 'data/platform-agents';
    const expected = planOf(inventory, { agentProjects: { [root]: moved } });
    let result = plan;
    for (const agent of plan.agents.filter((a) => a.rootNamespace === root))
      result = renameAgent(result, agent.ref, {
        project: moved,
        name: agent.name,
        createProject: true,
      });

    expect(contractErrors(validatePlan, result)).toEqual([]);
    const byRef = (agents: PlannedAgent[]) =>
      [...agents].sort((a, b) => a.ref.localeCompare(b.ref));
    expect(byRef(result.agents)).toEqual(byRef(expected.agents));
    for (const agent of expected.agents)
      expect(stepsOf(result, agent.ref), agent.ref).toEqual(stepsOf(expected, agent.ref));
    expect(result.clusters).toEqual(expected.clusters);
    // the project cluster's environments can only be linked from its own project
    const kinds = stepsOf(result, `${moved}:forecast-staging`).map((s) => s.kind);
    expect(kinds).toContain('create-project');
    expect(kinds).not.toContain('link-environment');
  });

  it('gives the root namespace to agentk’s namespace when the plain one is taken on that cluster', () => {
    const plan = planOf();
    // two agents of different top-level groups on one physical cluster
    const pair = plan.agents.flatMap((a) =>
      plan.agents
        .filter(
          (b) =>
            b.apiUrl === a.apiUrl &&
            b.rootNamespace !== a.rootNamespace &&
            b.namespace === agentNamespace(b.name) &&
            a.name !== b.name,
        )
        .map((b) => [a, b] as const),
    )[0];
    expect(pair, 'the demo has two top-level groups on one cluster').toBeDefined();
    const [a, b] = pair!;
    const result = renameAgent(plan, a.ref, { project: a.project, name: b.name });
    const renamed = agentOf(result, `${a.project}:${b.name}`);
    expect(renamed.namespace).toBe(`gitlab-agent-${a.rootNamespace}-${b.name}`);
    expect(agentOf(result, b.ref).namespace).toBe(b.namespace);
  });

  it('returns the same plan when nothing changes', () => {
    const plan = planOf();
    const agent = plan.agents[0]!;
    expect(renameAgent(plan, agent.ref, { project: agent.project, name: agent.name })).toBe(plan);
  });

  it.each([
    ['Upper', 'lowercase letters'],
    ['-leading', 'not starting or ending'],
    ['trailing-', 'not starting or ending'],
    ['under_score', 'lowercase letters'],
    ['a'.repeat(64), 'at most 63'],
    ['', 'needs a name'],
  ])('refuses the name %j', (name, reason) => {
    const plan = planOf();
    const agent = plan.agents[0]!;
    expect(() => renameAgent(plan, agent.ref, { project: agent.project, name })).toThrow(UserError);
    expect(renameProblem(plan, agent.ref, { project: agent.project, name })).toContain(reason);
  });

  it('accepts a name of exactly 63 characters', () => {
    const plan = planOf();
    const agent = plan.agents[0]!;
    const name = `a${'-b'.repeat(31)}`;
    expect(name).toHaveLength(63);
    const result = renameAgent(plan, agent.ref, { project: agent.project, name });
    expect(agentOf(result, `${agent.project}:${name}`).configPath).toBe(
      `.gitlab/agents/${name}/config.yaml`,
    );
  });

  it('refuses a name another agent of the same project has (project paths compared case-insensitively)', () => {
    const plan = planOf();
    const [first, second] = plan.agents.filter(
      (a, _i, all) => all.filter((b) => b.project === a.project).length > 1,
    );
    expect(second, 'the demo has a project with two agents').toBeDefined();
    expect(
      renameProblem(plan, second!.ref, {
        project: second!.project.toUpperCase(),
        name: first!.name,
      }),
    ).toContain(`already has an agent ${first!.name}`);
  });

  it('refuses a project outside the top-level group, unless instance authorization is on', () => {
    const plan = planOf();
    const agent = plan.agents.find((a) => a.rootNamespace === 'data')!;
    const change = { project: 'payments/gitlab-agents', name: agent.name, createProject: false };
    expect(renameProblem(plan, agent.ref, change)).toContain('outside data');
    expect(renameProblem(plan, agent.ref, { ...change, project: 'not a path' })).toContain(
      'not a project path',
    );
    const open = planOf(inventory, { instanceAuthorization: true });
    const sameAgent = open.agents.find((a) => a.name === agent.name)!;
    const result = renameAgent(open, sameAgent.ref, change);
    expect(agentOf(result, `payments/gitlab-agents:${agent.name}`).rootNamespace).toBe('payments');
  });

  it('refuses to rename an agent an earlier run started, and an unknown one', () => {
    const plan = planOf();
    const agent = plan.agents[0]!;
    const started: Plan = {
      ...plan,
      agents: plan.agents.map((a) => (a === agent ? { ...a, status: 'partial' } : a)),
    };
    expect(() =>
      renameAgent(started, agent.ref, { project: agent.project, name: 'another-name' }),
    ).toThrow(/started by an earlier run/);
    expect(() => renameAgent(plan, 'no/such:agent', { project: 'no/such', name: 'x' })).toThrow(
      /no agent no\/such:agent/,
    );
  });
});

/** The owner of the agent's only cluster when that is a project cluster living in its project. */
function inventoryOwnerOf(agent: PlannedAgent): string | null {
  const clusters = inventory.clusters.filter((c) => agent.clusterIds.includes(c.id));
  return clusters.length === 1 && clusters[0]!.level === 'project' ? clusters[0]!.owner : null;
}
