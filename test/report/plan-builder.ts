// Hand-built plans for the report tests. The builder fills in the dull fields, derives the summary
// and the steps the way the planner would, so each test only states what it is about.
import { PLAN_KIND, PLAN_VERSION } from '../../src/plan/plan-file.js';
import {
  type CiVariable,
  type Plan,
  type PlanStep,
  type PlannedAgent,
  type PlannedCluster,
} from '../../src/plan/types.js';

type ClusterInput = Pick<PlannedCluster, 'id' | 'name' | 'level' | 'owner' | 'action'> &
  Partial<PlannedCluster>;
type AgentInput = Pick<PlannedAgent, 'name' | 'project' | 'clusterIds'> & Partial<PlannedAgent>;

export class PlanBuilder {
  private readonly clusters: PlannedCluster[] = [];
  private readonly agents: PlannedAgent[] = [];
  private readonly warnings: Plan['warnings'] = [];
  private gitlab: Plan['gitlab'] = {
    url: 'https://gitlab.example.com',
    version: '17.11.2',
    kasAddress: 'wss://kas.gitlab.example.com',
    discovery: 'discovery-api',
    instanceAuthorization: false,
  };

  withGitlab(gitlab: Partial<Plan['gitlab']>): this {
    this.gitlab = { ...this.gitlab, ...gitlab };
    return this;
  }

  cluster(input: ClusterInput): this {
    this.clusters.push({
      environmentScope: '*',
      enabled: input.action !== 'done',
      managed: false,
      namespacePerEnvironment: true,
      apiUrl: `https://${input.name.replace(/[^a-z0-9]+/gi, '-')}.k8s.example.com:6443`,
      namespace: null,
      domain: null,
      managementProject: null,
      reason: null,
      agents: [],
      ...input,
    });
    return this;
  }

  /** Registers an agent and links it from the clusters it replaces. */
  agent(input: AgentInput): this {
    const ref = `${input.project}:${input.name}`;
    const agent: PlannedAgent = {
      ref,
      createProject: false,
      rootNamespace: input.project.split('/')[0]!,
      apiUrl: `https://${input.name}.k8s.example.com:6443`,
      kubeContext: null,
      namespace: `gitlab-agent-${input.name}`,
      configPath: `.gitlab/agents/${input.name}/config.yaml`,
      config: {},
      environmentTemplate: null,
      ciVariables: [],
      status: 'new',
      ...input,
    };
    this.agents.push(agent);
    for (const cluster of this.clusters) {
      if (agent.clusterIds.includes(cluster.id)) cluster.agents.push(ref);
    }
    return this;
  }

  warning(code: string, message: string, clusterId: number | null = null): this {
    this.warnings.push({ code, clusterId, message });
    return this;
  }

  build(generatedAt = '2025-06-01T12:00:00.000Z'): Plan {
    const count = (action: PlannedCluster['action']) =>
      this.clusters.filter((c) => c.action === action).length;
    return {
      kind: PLAN_KIND,
      version: PLAN_VERSION,
      generatedAt,
      gitlab: this.gitlab,
      summary: {
        clusters: this.clusters.length,
        toMigrate: count('migrate'),
        skipped: count('skip'),
        done: count('done'),
        agents: this.agents.length,
        warnings: this.warnings.length,
      },
      options: {
        tier: 'free',
        userAccess: false,
        agentProjectName: 'gitlab-agents',
        agentProjects: {},
        contextFor: {},
      },
      clusters: [...this.clusters].sort((a, b) => a.id - b.id),
      agents: this.agents,
      steps: buildSteps(this.agents),
      warnings: this.warnings,
    };
  }
}

function buildSteps(agents: PlannedAgent[]): PlanStep[] {
  const steps: PlanStep[] = [];
  const createdProjects = new Set<string>();
  const step = (
    agent: PlannedAgent,
    kind: Exclude<PlanStep['kind'], 'set-variable' | 'link-environment' | 'fix-ci'>,
    description: string,
  ) =>
    steps.push({
      id: `${agent.ref}/${kind}/${steps.length}`,
      kind,
      agent: agent.ref,
      clusterId: null,
      description,
    });
  for (const agent of agents.filter((a) => a.status !== 'done')) {
    if (agent.createProject && !createdProjects.has(agent.project)) {
      createdProjects.add(agent.project);
      step(agent, 'create-project', `Create project ${agent.project}`);
    }
    if (agent.status === 'new') {
      step(agent, 'commit-config', `Commit ${agent.configPath} to ${agent.project}`);
      step(agent, 'register-agent', `Register agent ${agent.name} in ${agent.project}`);
    }
    step(agent, 'create-token', `Create a token for agent ${agent.name}`);
    step(agent, 'install-agentk', `Install agentk in namespace ${agent.namespace}`);
    step(agent, 'wait-connection', `Wait for agent ${agent.name} to connect`);
    for (const v of agent.ciVariables) {
      steps.push({
        id: `${agent.ref}/set-variable/${steps.length}`,
        kind: 'set-variable',
        agent: agent.ref,
        clusterId: null,
        description: `Set ${v.level} variable ${v.key} on ${v.owner ?? 'the instance'} (${v.environmentScope})`,
        variable: v,
      });
    }
  }
  return steps;
}

export function kubeContext(
  ref: string,
  level: CiVariable['level'],
  owner: string | null,
  environmentScope = '*',
): CiVariable {
  return { level, owner, key: 'KUBE_CONTEXT', value: ref, environmentScope };
}

/**
 * Three pending agents (two in one shared, to-be-created project; one half-done), one agent done,
 * two skipped clusters and three warnings.
 */
export function realisticPlanBuilder(): PlanBuilder {
  const prod = 'acme/gitlab-agents:prod';
  const staging = 'acme/gitlab-agents:staging';
  return new PlanBuilder()
    .cluster({
      id: 11,
      name: 'prod',
      level: 'group',
      owner: 'acme',
      action: 'migrate',
      environmentScope: 'production',
    })
    .cluster({
      id: 21,
      name: 'prod',
      level: 'project',
      owner: 'acme/shop/web',
      action: 'migrate',
      environmentScope: 'production',
      domain: 'shop.acme.example',
    })
    .cluster({
      id: 22,
      name: 'staging',
      level: 'project',
      owner: 'acme/shop/api',
      action: 'migrate',
      environmentScope: 'staging/*',
      managed: true,
    })
    .cluster({
      id: 23,
      name: 'staging',
      level: 'project',
      owner: 'acme/billing',
      action: 'migrate',
    })
    .cluster({
      id: 31,
      name: 'ops',
      level: 'project',
      owner: 'tools/deployer',
      action: 'migrate',
      namespace: 'deployer-ops',
    })
    .cluster({
      id: 41,
      name: 'old-prod',
      level: 'project',
      owner: 'legacy/site',
      action: 'done',
      reason: 'already cut over to legacy/site:old-prod',
    })
    .cluster({
      id: 51,
      name: 'minikube',
      level: 'project',
      owner: 'acme/sandbox',
      action: 'skip',
      enabled: false,
      reason: 'cluster is disabled',
    })
    .cluster({
      id: 52,
      name: 'gke-trial',
      level: 'instance',
      owner: null,
      action: 'skip',
      apiUrl: null,
      reason: 'no Kubernetes API URL (cluster was never provisioned)',
    })
    .agent({
      name: 'prod',
      project: 'acme/gitlab-agents',
      createProject: true,
      clusterIds: [11, 21],
      config: {
        ci_access: {
          projects: [{ id: 'acme/shop/web', environments: ['production'] }],
          groups: [{ id: 'acme', environments: ['production'] }],
        },
      },
      ciVariables: [
        kubeContext(prod, 'group', 'acme', 'production'),
        kubeContext(prod, 'project', 'acme/shop/web', 'production'),
        {
          level: 'project',
          owner: 'acme/shop/web',
          key: 'KUBE_INGRESS_BASE_DOMAIN',
          value: 'shop.acme.example',
          environmentScope: 'production',
        },
      ],
    })
    .agent({
      name: 'staging',
      project: 'acme/gitlab-agents',
      createProject: true,
      status: 'partial',
      clusterIds: [22, 23],
      config: {
        ci_access: {
          projects: [
            { id: 'acme/billing' },
            { id: 'acme/shop/api', environments: ['staging/*'], access_as: { agent: {} } },
          ],
        },
      },
      ciVariables: [
        kubeContext(staging, 'project', 'acme/billing'),
        kubeContext(staging, 'project', 'acme/shop/api', 'staging/*'),
      ],
    })
    .agent({
      name: 'ops',
      project: 'tools/deployer',
      clusterIds: [31],
      config: {
        ci_access: { projects: [{ id: 'tools/deployer', default_namespace: 'deployer-ops' }] },
      },
      ciVariables: [
        kubeContext('tools/deployer:ops', 'project', 'tools/deployer'),
        {
          level: 'project',
          owner: 'tools/deployer',
          key: 'KUBE_NAMESPACE',
          value: 'deployer-ops',
          environmentScope: '*',
        },
      ],
    })
    .agent({ name: 'old-prod', project: 'legacy/site', status: 'done', clusterIds: [41] })
    .warning(
      'CA_MISMATCH',
      'clusters 11 and 21 share an API URL but their CA certificates differ',
      11,
    )
    .warning(
      'MANAGED_ON_FREE',
      'GitLab-managed namespaces are not recreated on the Free tier; create them before cut-over',
      22,
    )
    .warning('NO_ADMIN', 'the token is not an administrator: instance clusters may be missing');
}

export function realisticPlan(): Plan {
  return realisticPlanBuilder().build();
}

/** What `plan` shows after a complete apply: every cluster done or skipped, no steps. */
export function noChangesPlan(): Plan {
  return new PlanBuilder()
    .cluster({
      id: 41,
      name: 'old-prod',
      level: 'project',
      owner: 'legacy/site',
      action: 'done',
      reason: 'already cut over to legacy/site:old-prod',
    })
    .cluster({
      id: 51,
      name: 'minikube',
      level: 'project',
      owner: 'acme/sandbox',
      action: 'skip',
      enabled: false,
      reason: 'cluster is disabled',
    })
    .agent({ name: 'old-prod', project: 'legacy/site', status: 'done', clusterIds: [41] })
    .build();
}
