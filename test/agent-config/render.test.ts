// Every config.yaml the planner can produce renders to YAML that GitLab accepts (the strict
// schema), that reads back as exactly the planned object, and that says what it replaces.
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { desiredConfigFiles } from '../../src/agent-config/desired-files.js';
import {
  environmentTemplatePath,
  renderAgentConfig,
  renderEnvironmentTemplate,
} from '../../src/agent-config/render.js';
import { validateAgentConfig } from '../../src/agent-config/schema.js';
import { discoverInventory } from '../../src/discovery/discover.js';
import { UserError } from '../../src/errors.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { computePlan } from '../../src/live-state/compute-plan.js';
import { emptyLiveState } from '../../src/plan/live-state.js';
import type { PlanOptions } from '../../src/plan/options.js';
import type { Plan, PlannedAgent } from '../../src/plan/types.js';
import { adminApiToken, demoFixture, testClient, withSimulator } from '../helpers/gitlab.js';
import { InventoryBuilder, planOptions } from '../plan/inventory-builder.js';

const PROD = 'https://k8s-prod.example.test:6443';
const STAGING = 'https://k8s-staging.example.test:6443';

const variants: Record<string, Partial<PlanOptions>> = {
  free: {},
  premium: { tier: 'premium' },
  'user access': { userAccess: true },
  'instance authorization': { instanceAuthorization: true },
  everything: { tier: 'premium', userAccess: true, instanceAuthorization: true },
};

const demoPlans: Record<string, Plan> = {};
beforeAll(async () => {
  const demo = demoFixture();
  await withSimulator({ fixture: demo }, async (sim) => {
    const client = testClient(sim.url, adminApiToken(demo));
    const inventory = await discoverInventory(client);
    for (const [name, overrides] of Object.entries(variants))
      demoPlans[name] = await computePlan(client, inventory, planOptions(overrides));
  });
});

const pureCases: Record<string, () => Plan> = {
  'more than 500 projects (split agents)': () => {
    const builder = new InventoryBuilder();
    for (let i = 0; i < 1001; i += 1)
      builder.project(`acme/p${String(i).padStart(4, '0')}`, 'prod', PROD, {
        environmentScope: i % 2 ? 'production' : '*',
      });
    return buildPlan(builder.build(), emptyLiveState(), planOptions());
  },
  'premium managed clusters': () =>
    buildPlan(
      new InventoryBuilder()
        .project('acme/web', 'prod', PROD, { managed: true, namespace: 'web-prod' })
        .group('acme/team', 'staging', STAGING, { managed: true, namespacePerEnvironment: false })
        .build(),
      emptyLiveState(),
      planOptions({ tier: 'premium' }),
    ),
  'user access across projects and groups': () =>
    buildPlan(
      new InventoryBuilder()
        .group('acme', 'prod', PROD, { environmentScope: 'production', namespace: 'apps' })
        .project('acme/web', 'prod', PROD, { environmentScope: 'review/*' })
        .build(),
      emptyLiveState(),
      planOptions({ userAccess: true }),
    ),
  'instance authorization': () =>
    buildPlan(
      new InventoryBuilder().instance('shared', PROD).topLevelGroups('acme', 'beta').build(),
      emptyLiveState(),
      planOptions({ instanceAuthorization: true, userAccess: true }),
    ),
};

function checkAgent(plan: Plan, agent: PlannedAgent) {
  const text = renderAgentConfig(agent, plan.clusters);
  expect(text.endsWith('\n')).toBe(true);
  expect(text.endsWith('\n\n')).toBe(false);
  const parsed: unknown = parse(text);
  expect(validateAgentConfig(parsed)).toEqual([]);
  expect(parsed).toEqual(agent.config);
  // The header names each certificate cluster it replaces.
  const header = text.slice(0, text.indexOf('\nci_access:'));
  for (const id of agent.clusterIds) {
    const cluster = plan.clusters.find((c) => c.id === id)!;
    expect(header).toContain(`cluster ${id} "${cluster.name}"`);
    expect(header).toContain(`environment scope ${cluster.environmentScope}`);
  }
  expect(header.split('\n').every((line) => line === '' || line.startsWith('#'))).toBe(true);
  expect(header).toContain('migrate-clusters');
}

describe('the demo plan, computed over HTTP against the simulator', () => {
  it.each(Object.keys(variants))('%s: every config validates and round-trips', (name) => {
    const plan = demoPlans[name]!;
    expect(plan.agents.length).toBeGreaterThan(5);
    for (const agent of plan.agents) checkAgent(plan, agent);
  });

  it('covers what the strict schema must accept: groups, projects, instance, user_access, ci_job', () => {
    const all = Object.values(demoPlans).flatMap((p) => p.agents.map((a) => a.config));
    expect(all.some((c) => c.ci_access?.groups?.length)).toBe(true);
    expect(all.some((c) => c.ci_access?.projects?.some((e) => e.default_namespace))).toBe(true);
    expect(all.some((c) => c.ci_access?.instance)).toBe(true);
    expect(all.some((c) => c.user_access?.projects || c.user_access?.groups)).toBe(true);
    expect(all.some((c) => c.ci_access?.groups?.some((e) => e.resource_management?.enabled))).toBe(
      true,
    );
  });

  it('premium: managed clusters get a template file next to config.yaml that parses', () => {
    const plan = demoPlans.premium!;
    const managed = plan.agents.filter((a) => a.environmentTemplate != null);
    expect(managed.length).toBeGreaterThan(0);
    for (const agent of managed) {
      const { files } = desiredConfigFiles(agent, plan.clusters, {});
      expect(files.map((f) => [f.path, f.action])).toEqual([
        [agent.configPath, 'create'],
        [agent.configPath.replace('config.yaml', 'environment_templates/default.yaml'), 'create'],
      ]);
      expect(parse(files[1]!.content)).toEqual(parse(agent.environmentTemplate!));
    }
  });
});

describe('pure plans with the hard cases', () => {
  it.each(Object.keys(pureCases))('%s: every config validates and round-trips', (name) => {
    const plan = pureCases[name]!();
    for (const agent of plan.agents) checkAgent(plan, agent);
  });

  it('keeps split agents within the limit, each list still valid', () => {
    const plan = pureCases['more than 500 projects (split agents)']!();
    expect(plan.agents).toHaveLength(3);
    for (const agent of plan.agents)
      expect(validateAgentConfig(parse(renderAgentConfig(agent, plan.clusters)))).toEqual([]);
  });
});

describe('layout', () => {
  const plan = pureCases['user access across projects and groups']!();
  const agent = plan.agents[0]!;
  const text = renderAgentConfig(agent, plan.clusters);

  it('orders keys: ci_access (projects, groups) before user_access (access_as, projects, groups)', () => {
    const keys = (path: string[]) =>
      (parseDocument(text).getIn(path, true) as { items: { key: { value: string } }[] }).items.map(
        (p) => p.key.value,
      );
    expect(keys([])).toEqual(['ci_access', 'user_access']);
    expect(keys(['ci_access'])).toEqual(['projects', 'groups']);
    expect(keys(['user_access'])).toEqual(['access_as', 'projects', 'groups']);
    expect(keys(['ci_access', 'groups', '0'])).toEqual([
      'id',
      'default_namespace',
      'access_as',
      'environments',
    ]);
  });

  it('renders the same text for the same agent, whatever order its keys came in', () => {
    const shuffled: PlannedAgent = {
      ...agent,
      config: {
        user_access: { groups: agent.config.user_access!.groups, ...agent.config.user_access },
        ci_access: {
          groups: agent.config.ci_access!.groups!.map((e) => ({
            environments: e.environments,
            ...e,
          })),
          projects: agent.config.ci_access!.projects,
        },
      },
    };
    expect(renderAgentConfig(shuffled, plan.clusters)).toBe(text);
  });

  it('keeps a cluster name with a line break inside its comment line', () => {
    const clusters = plan.clusters.map((c) => ({ ...c, name: 'evil\nci_access: {}' }));
    const rendered = renderAgentConfig(agent, clusters);
    expect(parse(rendered)).toEqual(agent.config);
    expect(rendered).toContain('"evil ci_access: {}"');
  });
});

describe('environment template', () => {
  const plan = pureCases['premium managed clusters']!();

  it('passes the planned template through with its path next to config.yaml', () => {
    const agent = plan.agents.find((a) => a.environmentTemplate != null)!;
    expect(renderEnvironmentTemplate(agent)).toBe(agent.environmentTemplate);
    expect(environmentTemplatePath(agent.configPath)).toBe(
      `.gitlab/agents/${agent.name}/environment_templates/default.yaml`,
    );
  });

  it('refuses a template in a hand-edited plan that is not YAML', () => {
    const agent = { ...plan.agents[0]!, environmentTemplate: 'objects: [\n  - broken' };
    expect(() => renderEnvironmentTemplate(agent)).toThrow(UserError);
    expect(() => renderEnvironmentTemplate(agent)).toThrow(/environment template of agent/);
  });

  it('has no template file for an agent without a template', () => {
    const agent = { ...plan.agents[0]!, environmentTemplate: null };
    expect(renderEnvironmentTemplate(agent)).toBeNull();
    expect(desiredConfigFiles(agent, plan.clusters, {}).files).toHaveLength(1);
  });
});
