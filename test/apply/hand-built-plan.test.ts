// The apply engine over a plan written by hand, not made by discover → plan: each step kind runs
// from the plan alone, over real HTTP against the GitLab simulator and two Kubernetes simulators,
// and is checked by what it left in their state. The plan is a valid plan file
// (contracts/plan.schema.json) with one agent in a configuration project apply must create (for
// a group cluster) and one in the cluster's own project (for a project cluster, whose
// environments it links); then the second agent alone, for a cluster no kube context reaches.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyJournal } from '../../src/apply/journal.js';
import { JournalStore } from '../../src/apply/journal-store.js';
import type { ApplyResult } from '../../src/apply/run-apply.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { PLAN_KIND, PLAN_VERSION } from '../../src/plan/plan-file.js';
import type {
  CiVariable,
  Plan,
  PlannedAgent,
  PlannedCluster,
  PlanStep,
  StepKind,
} from '../../src/plan/types.js';
import type { FixtureCluster, GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import type { ProjectRecord } from '../../src/simulator/gitlab/records.js';
import { agentkObjectsIn } from '../helpers/agentk-objects.js';
import { contractErrors, validatePlan } from '../helpers/contracts.js';
import { testClient } from '../helpers/gitlab.js';
import { applyInProcess, startWorld, type World } from '../helpers/world.js';

const ADMIN_TOKEN = 'glpat-hand-built-admin-00000000000';

function cluster(
  id: number,
  name: string,
  level: FixtureCluster['level'],
  owner: string,
): FixtureCluster {
  return {
    id,
    name,
    level,
    owner,
    environment_scope: '*',
    enabled: true,
    managed: false,
    namespace_per_environment: true,
    domain: null,
    provider_type: 'user',
    created_at: '2021-03-01T10:00:00.000Z',
    created_by: 'root',
    platform_kubernetes: {
      api_url: `https://k8s-${name}.acme.test:6443`,
      namespace: null,
      authorization_type: 'rbac',
      ca_cert: null,
    },
    management_project: null,
  };
}

/** acme (group 1) with cluster 2; acme/web (project 10) with cluster 1 and two environments. */
function fixture(): GitLabFixture {
  return {
    description: 'a hand-built plan',
    instance: {
      version: '17.11.2-ee',
      revision: 'abc1234def',
      enterprise: true,
      kas: {
        enabled: true,
        externalUrl: 'wss://gitlab.acme.test/-/kubernetes-agent/',
        externalK8sProxyUrl: 'https://gitlab.acme.test/-/kubernetes-agent/k8s-proxy/',
        version: '17.11.2',
      },
      featureFlags: { certificate_based_clusters: true },
    },
    users: [{ id: 1, username: 'root', name: 'Administrator', admin: true }],
    tokens: [{ token: ADMIN_TOKEN, user: 'root', scopes: ['api'], name: 'admin-api' }],
    groups: [{ id: 1, path: 'acme', name: 'ACME', parent: null, visibility: 'private' }],
    projects: [{ id: 10, path: 'web', name: 'Web', namespace: 'acme', visibility: 'private' }],
    members: [],
    clusters: [cluster(1, 'web', 'project', 'acme/web'), cluster(2, 'shared', 'group', 'acme')],
    environments: [
      { project: 'acme/web', name: 'production' },
      { project: 'acme/web', name: 'staging' },
    ],
  };
}

const WEB = 'acme/web:web';
const SHARED = 'acme/gitlab-agents:shared';

function agent(
  fields: Pick<PlannedAgent, 'ref' | 'name' | 'project' | 'createProject' | 'apiUrl'> & {
    clusterId: number;
    access: { projects?: string[]; groups?: string[] };
    variableOwner: { level: 'project' | 'group'; path: string };
  },
): PlannedAgent {
  const entry = (id: string) => ({ id, access_as: { agent: {} } });
  return {
    ref: fields.ref,
    name: fields.name,
    project: fields.project,
    createProject: fields.createProject,
    rootNamespace: 'acme',
    apiUrl: fields.apiUrl,
    clusterIds: [fields.clusterId],
    kubeContext: null,
    namespace: `gitlab-agent-${fields.name}`,
    configPath: `.gitlab/agents/${fields.name}/config.yaml`,
    config: {
      ci_access: {
        ...(fields.access.projects ? { projects: fields.access.projects.map(entry) } : {}),
        ...(fields.access.groups ? { groups: fields.access.groups.map(entry) } : {}),
      },
    },
    environmentTemplate: null,
    ciVariables: [
      {
        level: fields.variableOwner.level,
        owner: fields.variableOwner.path,
        key: 'KUBE_CONTEXT',
        value: fields.ref,
        environmentScope: '*',
      },
    ],
    status: 'new',
  };
}

function plannedCluster(c: FixtureCluster, apiUrl: string, agentRef: string): PlannedCluster {
  return {
    id: c.id,
    name: c.name,
    level: c.level,
    owner: c.owner,
    environmentScope: c.environment_scope,
    enabled: true,
    managed: false,
    namespacePerEnvironment: true,
    apiUrl,
    namespace: null,
    domain: null,
    managementProject: null,
    action: 'migrate',
    reason: null,
    agents: [agentRef],
  };
}

const common = (agentRef: string, kind: StepKind, suffix: string, clusterId: number | null) => ({
  id: `${agentRef}/${kind}${suffix}`,
  agent: agentRef,
  clusterId,
  description: `${kind} for ${agentRef}`,
});

/** A step whose kind needs no data beyond its agent (and, for disable-cluster, its cluster). */
const step = (
  agentRef: string,
  kind: Exclude<StepKind, 'set-variable' | 'link-environment' | 'fix-ci'>,
  suffix = '',
  clusterId: number | null = null,
): PlanStep => ({ ...common(agentRef, kind, suffix, clusterId), kind });

const setVariable = (agentRef: string, id: string, variable: CiVariable): PlanStep => ({
  ...common(agentRef, 'set-variable', `:${id}`, null),
  kind: 'set-variable',
  variable,
});

const linkEnvironment = (agentRef: string, project: string): PlanStep => ({
  ...common(agentRef, 'link-environment', `:${project}`, null),
  kind: 'link-environment',
  project,
});

/** The plan, written out; API URLs are the simulators' (the world rewrote the fixture's to them). */
function handBuiltPlan(world: World, fx: GitLabFixture): Plan {
  const [web, shared] = fx.clusters.map((c) => world.clusterFor(c.platform_kubernetes.api_url).url);
  const agents = [
    agent({
      ref: WEB,
      name: 'web',
      project: 'acme/web',
      createProject: false,
      apiUrl: web!,
      clusterId: 1,
      access: { projects: ['acme/web'] },
      variableOwner: { level: 'project', path: 'acme/web' },
    }),
    agent({
      ref: SHARED,
      name: 'shared',
      project: 'acme/gitlab-agents',
      createProject: true,
      apiUrl: shared!,
      clusterId: 2,
      access: { groups: ['acme'] },
      variableOwner: { level: 'group', path: 'acme' },
    }),
  ];
  const chain = (a: PlannedAgent, variable: string) => [
    step(a.ref, 'commit-config'),
    step(a.ref, 'register-agent'),
    step(a.ref, 'create-token'),
    step(a.ref, 'install-agentk'),
    step(a.ref, 'wait-connection'),
    setVariable(a.ref, variable, a.ciVariables[0]!),
  ];
  return {
    kind: PLAN_KIND,
    version: PLAN_VERSION,
    generatedAt: '2026-01-01T00:00:00.000Z',
    gitlab: {
      url: world.gitlab.url,
      version: fx.instance.version,
      kasAddress: fx.instance.kas.externalUrl,
      discovery: 'discovery-api',
      instanceAuthorization: false,
    },
    summary: { clusters: 2, toMigrate: 2, skipped: 0, done: 0, agents: 2, warnings: 0 },
    options: {
      tier: 'free',
      userAccess: false,
      agentProjectName: 'gitlab-agents',
      agentProjects: {},
      contextFor: {},
    },
    clusters: [
      plannedCluster(fx.clusters[0]!, web!, WEB),
      plannedCluster(fx.clusters[1]!, shared!, SHARED),
    ],
    agents,
    steps: [
      ...chain(agents[0]!, 'project:acme/web:KUBE_CONTEXT:*'),
      linkEnvironment(WEB, 'acme/web'),
      step(WEB, 'disable-cluster', ':1', 1),
      step(SHARED, 'create-project'),
      ...chain(agents[1]!, 'group:acme:KUBE_CONTEXT:*'),
      step(SHARED, 'disable-cluster', ':2', 2),
    ],
    warnings: [],
  };
}

let dir: string;
let fx: GitLabFixture;
let world: World;
let client: GitLabClient;
let plan: Plan;
let result: ApplyResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-hand-built-'));
  fx = fixture();
  world = await startWorld(fx);
  client = testClient(world.gitlab.url, ADMIN_TOKEN);
  plan = handBuiltPlan(world, fx);
  result = await applyInProcess({
    sim: world.gitlab,
    client,
    kube: world.kubeAccess(
      fx.clusters.map((c) => ({
        id: c.id,
        apiUrl: world.clusterFor(c.platform_kubernetes.api_url).url,
      })),
    ),
    journal: new JournalStore(
      emptyJournal(world.gitlab.url, plan.generatedAt),
      join(dir, 'j.json'),
    ),
    plan,
    settings: { disableOldClusters: true },
  });
});
afterAll(async () => {
  await world?.close();
  await rm(dir, { recursive: true, force: true });
});

const project = (path: string): ProjectRecord | undefined =>
  world.gitlab.state.projectsByPath.get(path);
const agentIn = (path: string, name: string) =>
  world.gitlab.state.agents.forProject(project(path)!).find((a) => a.name === name);

describe('apply over a hand-built plan', () => {
  it('is a valid plan file', () => {
    expect(contractErrors(validatePlan, plan)).toEqual([]);
  });

  it('runs every step of the plan, and only those, each done', () => {
    const ran = result.outcomes.map((o) => `${o.step.id} ${o.result.status}`);
    expect(ran.sort()).toEqual(plan.steps.map((s) => `${s.id} done`).sort());
    expect(result.verified.sort()).toEqual([SHARED, WEB]);
  });

  it('create-project: the configuration project exists', () => {
    expect(project('acme/gitlab-agents')?.namespace).toMatchObject({ kind: 'group' });
  });

  it("commit-config: each agent's config.yaml is on its project's default branch", () => {
    for (const a of plan.agents) {
      const p = project(a.project)!;
      const head = world.gitlab.state.repositories.of(p).branches.get(p.defaultBranch);
      const blob = head?.tree.get(a.configPath);
      expect(blob, `${a.ref}: ${a.configPath}`).toBeDefined();
      expect(YAML.parse(blob!.content.toString('utf8'))).toEqual(a.config);
    }
  });

  it('register-agent and create-token: each agent is registered with one active token', () => {
    for (const a of plan.agents) {
      const registered = agentIn(a.project, a.name);
      expect(registered, a.ref).toBeDefined();
      expect(world.gitlab.state.agents.activeTokens(registered!)).toHaveLength(1);
    }
  });

  it("install-agentk: agentk runs in each agent's namespace, on its own cluster only", () => {
    for (const a of plan.agents) {
      const objects = agentkObjectsIn(world.clusters.filter((k) => k.url === a.apiUrl));
      const kinds = objects.map((o) => o.split(' ')[0]);
      expect(kinds, a.ref).toEqual(expect.arrayContaining(['Namespace', 'Secret', 'Deployment']));
      // in the agent's namespace, or named for it (the namespace, the cluster role binding):
      // none of the other agent's
      expect(objects.filter((o) => !o.includes(a.namespace))).toEqual([]);
    }
  });

  it('wait-connection: each agent token has been used by agentk', () => {
    for (const a of plan.agents) {
      const [token] = world.gitlab.state.agents.activeTokens(agentIn(a.project, a.name)!);
      expect(token?.lastUsedAt, a.ref).not.toBeNull();
    }
  });

  it('set-variable: KUBE_CONTEXT names each agent, on the project and on the group', () => {
    const value = (owner: `project:${number}` | `group:${number}`) =>
      world.gitlab.state.variables.find(owner, 'KUBE_CONTEXT', '*').map((v) => v.value);
    expect(value(`project:${project('acme/web')!.id}`)).toEqual([WEB]);
    expect(value(`group:${world.gitlab.state.groupsByPath.get('acme')!.id}`)).toEqual([SHARED]);
  });

  it("link-environment: the web project's environments use its agent", () => {
    const web = agentIn('acme/web', 'web')!;
    expect(
      world.gitlab.state.environments
        .forProject(project('acme/web')!)
        .map((e) => [e.name, e.clusterAgent?.id]),
    ).toEqual([
      ['production', web.id],
      ['staging', web.id],
    ]);
  });

  it('disable-cluster: both certificate clusters are off', () => {
    expect(
      [...world.gitlab.state.clustersById.values()].map((c) => [c.id, c.data.enabled]),
    ).toEqual([
      [1, false],
      [2, false],
    ]);
  });
});

describe('a hand-built plan whose cluster no context reaches', () => {
  it('holds the agent back from create-token on, and changes nothing that reaches jobs', async () => {
    const other = await startWorld(fx);
    try {
      const gone = 'https://k8s-gone.acme.test:6443';
      const whole = handBuiltPlan(other, fx);
      const web = { ...whole.agents.find((a) => a.ref === WEB)!, apiUrl: gone };
      const lonely: Plan = {
        ...whole,
        summary: { ...whole.summary, clusters: 1, toMigrate: 1, agents: 1 },
        clusters: [{ ...whole.clusters[0]!, apiUrl: gone }],
        agents: [web],
        steps: whole.steps.filter((s) => s.agent === WEB),
      };
      expect(contractErrors(validatePlan, lonely)).toEqual([]);
      const outcome = await applyInProcess({
        sim: other.gitlab,
        client: testClient(other.gitlab.url, ADMIN_TOKEN),
        kube: other.kubeAccess([{ id: 1, apiUrl: gone }]),
        journal: new JournalStore(
          emptyJournal(other.gitlab.url, lonely.generatedAt),
          join(dir, 'lonely.json'),
        ),
        plan: lonely,
        settings: { disableOldClusters: true },
      });
      expect(outcome.outcomes.map((o) => `${o.step.kind} ${o.result.status}`)).toEqual([
        'commit-config done',
        'register-agent done',
        'create-token needs-person',
        'install-agentk needs-person',
        'wait-connection skipped',
        'set-variable skipped',
        'link-environment skipped',
        'disable-cluster skipped',
      ]);
      expect(outcome.outcomes[2]!.result.detail).toMatch(
        /^no kube context reaches https:\/\/k8s-gone/,
      );
      expect(outcome.verified).toEqual([]);
      const state = other.gitlab.state;
      const webProject = state.projectsByPath.get('acme/web')!;
      const registered = state.agents.forProject(webProject).find((a) => a.name === 'web')!;
      expect(state.agents.activeTokens(registered)).toEqual([]);
      expect(agentkObjectsIn(other.clusters)).toEqual([]);
      expect(state.variables.list(`project:${webProject.id}`)).toEqual([]);
      expect(state.environments.forProject(webProject).map((e) => e.clusterAgent)).toEqual([
        null,
        null,
      ]);
      expect(state.clustersById.get(1)!.data.enabled).toBe(true);
    } finally {
      await other.close();
    }
  });
});
