// The continuity model: for every (project, environment) a job deploys to, which certificate
// cluster the old integration gave it and what the job gets once that cluster is off. A row
// holds when the job will reach the same physical cluster: KUBE_CONTEXT names an agent that
// GitLab authorises for the project and environment (config.yaml as GitLab reads it), that agent
// runs in that cluster and is connected, and every job of the row selects its context (the CI
// audit). A cluster may be turned off only when every row that used it holds. Pure.
import { allowsEnvironment, authorizationFor, type AgentAuthorizations } from './authorizations.js';
import { winningVariable, type VariablesByOwner } from './kube-context.js';
import {
  clustersReaching,
  kubernetesActiveClusters,
  oldClusterFor,
  physical,
  type CertCluster,
} from './old-cluster.js';

export type JobClass = 'ok' | 'breaks' | 'stops' | 'needs-person';

/** What the CI audit says about one job (src/ci-audit). */
export interface JobFinding {
  name: string;
  /** environment:name as written; null for a job without one */
  environment: string | null;
  verdict: string;
  class: JobClass;
  /** the job talks to Kubernetes, so it needs an agent context */
  usesKubernetes: boolean;
  evidence: string;
}

export interface ProjectJobs {
  project: string;
  /** why the CI configuration could not be read; null when it was */
  problem: string | null;
  jobs: JobFinding[];
}

/** A planned agent as it is live. */
export interface AgentView {
  /** `<agent project>:<agent name>`, the context name jobs get */
  ref: string;
  project: string;
  apiUrl: string;
  /** its config.yaml on the default branch, read as GitLab reads it */
  authorizations: AgentAuthorizations;
  /** null when connected and proven to run in its cluster; otherwise why not */
  notReady: string | null;
}

export interface ContinuityInput {
  /** certificate clusters as they were before the cut-over */
  clusters: CertCluster[];
  agents: AgentView[];
  /** CI/CD variables of every owner in reach of the projects */
  variables: VariablesByOwner;
  projects: ProjectJobs[];
  instanceAuthorization: boolean;
  /** the agents the plan gives each cluster: all must be ready before it goes off */
  clusterAgents?: ReadonlyMap<number, readonly string[]>;
}

export interface ContinuityRow {
  project: string;
  /** the job's environment as written; null for jobs without one (Kubernetes-active gates) */
  environment: string | null;
  oldCluster: { id: number; name: string } | null;
  /** the KUBE_CONTEXT the job gets, and where it comes from */
  context: string | null;
  contextFrom: string | null;
  /** the context's agent runs in the old cluster's physical cluster (null: unknown) */
  sameCluster: boolean | null;
  jobs: { name: string; verdict: string; class: JobClass }[];
  problems: string[];
  holds: boolean;
}

export interface ClusterGate {
  clusterId: number;
  holds: boolean;
  /** one line per row that does not hold */
  problems: string[];
  rows: number;
}

export interface Continuity {
  rows: ContinuityRow[];
  gates: Map<number, ClusterGate>;
}

function contextProblems(
  input: ContinuityInput,
  project: string,
  environment: string,
  old: CertCluster,
): { context: string | null; from: string | null; same: boolean | null; problems: string[] } {
  const winner = winningVariable(input.variables, project, environment, 'KUBE_CONTEXT');
  if (!winner)
    return {
      context: null,
      from: null,
      same: null,
      problems: [`no KUBE_CONTEXT reaches ${environment}: its jobs would get no context`],
    };
  if (winner.value == null)
    return {
      context: null,
      from: winner.from,
      same: null,
      problems: [
        `KUBE_CONTEXT from ${winner.from} is hidden, so where it points cannot be checked`,
      ],
    };
  const context = winner.value;
  const agent = input.agents.find((a) => a.ref.toLowerCase() === context.toLowerCase());
  if (!agent)
    return {
      context,
      from: winner.from,
      same: null,
      problems: [
        `KUBE_CONTEXT from ${winner.from} is "${context}", no agent of this plan: cannot show it reaches cluster ${old.id}`,
      ],
    };
  const problems: string[] = [];
  const same = physical(agent.apiUrl) === physical(old.apiUrl);
  if (!same)
    problems.push(
      `${agent.ref} runs in ${agent.apiUrl}, but the job used cluster ${old.id} (${old.apiUrl ?? 'no API URL'})`,
    );
  const authorization = authorizationFor(project, agent.authorizations, {
    agentProject: agent.project,
    instanceAuthorization: input.instanceAuthorization,
  });
  if (!authorization)
    problems.push(
      `${agent.ref} is not authorised for ${project} (${agent.authorizations.problem ?? 'no ci_access entry reaches it'})`,
    );
  else if (!allowsEnvironment(authorization, environment))
    problems.push(
      `${agent.ref} is authorised for ${project} in ${authorization.environments!.join(', ')} only`,
    );
  if (agent.notReady) problems.push(`${agent.ref}: ${agent.notReady}`);
  return { context, from: winner.from, same, problems };
}

/** A row that holds no environment: a project whose jobs are unknown, or jobs without one. */
function unlisted(project: string, jobs: JobFinding[], problems: string[]): ContinuityRow {
  return {
    project,
    environment: null,
    oldCluster: null,
    context: null,
    contextFrom: null,
    sameCluster: null,
    jobs: jobs.map((j) => ({ name: j.name, verdict: j.verdict, class: j.class })),
    problems,
    holds: false,
  };
}

export function buildContinuity(input: ContinuityInput): Continuity {
  const rows: ContinuityRow[] = [];
  const gates = new Map<number, ClusterGate>();
  const gate = (id: number) => {
    let g = gates.get(id);
    if (!g) gates.set(id, (g = { clusterId: id, holds: true, problems: [], rows: 0 }));
    return g;
  };
  const record = (row: ContinuityRow, clusterIds: number[]) => {
    rows.push(row);
    for (const id of clusterIds) {
      const g = gate(id);
      g.rows += 1;
      if (row.holds) continue;
      g.holds = false;
      g.problems.push(
        `${row.project}${row.environment != null ? ` (${row.environment})` : ''}: ${row.problems.join('; ')}`,
      );
    }
  };

  for (const { project, problem, jobs } of [...input.projects].sort((a, b) =>
    a.project.localeCompare(b.project),
  )) {
    if (problem) {
      // Its jobs are unknown: every cluster that could serve it waits.
      const reaching = clustersReaching(project, input.clusters).map((c) => c.id);
      if (reaching.length)
        record(
          unlisted(project, [], [`its CI configuration could not be read: ${problem}`]),
          reaching,
        );
      continue;
    }
    // Jobs gated on a certificate cluster being active stop when the `*` clusters go off,
    // whatever their environment (a pipeline-level check).
    const gated = jobs.filter((j) => j.verdict === 'kubernetes-gate' && j.environment == null);
    const active = kubernetesActiveClusters(project, input.clusters).map((c) => c.id);
    if (gated.length && active.length)
      record(
        unlisted(
          project,
          gated,
          gated.map((j) => `job ${j.name} would stop running: ${j.evidence}`),
        ),
        active,
      );
    const environments = [
      ...new Set(jobs.flatMap((j) => (j.environment == null ? [] : [j.environment]))),
    ].sort();
    for (const environment of environments) {
      const choice = oldClusterFor(project, environment, input.clusters);
      if (!choice) continue; // no certificate cluster served it: the cut-over changes nothing
      const old = choice.cluster;
      const envJobs = jobs.filter((j) => j.environment === environment);
      const problems = envJobs
        .filter((j) => j.class !== 'ok')
        .map(
          (j) =>
            `job ${j.name} ${j.class === 'stops' ? 'would stop running' : j.class === 'breaks' ? 'would break' : 'needs a person'}: ${j.evidence}`,
        );
      const needsContext = envJobs.some((j) => j.usesKubernetes);
      const ctx = needsContext
        ? contextProblems(input, project, environment, old)
        : { context: null, from: null, same: null, problems: [] };
      problems.push(...ctx.problems);
      if (choice.ambiguous)
        problems.push(
          `another cluster matches ${environment} as closely as cluster ${old.id}, so which one GitLab used is undefined`,
        );
      // Jobs that never talk to Kubernetes keep working whatever the context.
      record(
        {
          project,
          environment,
          oldCluster: { id: old.id, name: old.name },
          context: ctx.context,
          contextFrom: ctx.from,
          sameCluster: ctx.same,
          jobs: envJobs.map((j) => ({ name: j.name, verdict: j.verdict, class: j.class })),
          problems,
          holds: problems.length === 0,
        },
        [old.id],
      );
    }
  }
  for (const c of input.clusters) if (c.enabled) gate(c.id);
  // A cluster nobody deploys through still goes off only once its agents have taken over.
  for (const [id, refs] of input.clusterAgents ?? []) {
    const g = gates.get(id);
    if (!g) continue;
    for (const ref of refs) {
      const agent = input.agents.find((a) => a.ref === ref);
      const why = agent ? agent.notReady : 'not in the plan';
      if (why == null) continue;
      g.holds = false;
      g.problems.push(`agent ${ref}: ${why}`);
    }
  }
  return { rows, gates };
}
