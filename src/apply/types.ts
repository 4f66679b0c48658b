// What the apply engine works with: the settings from the command line, the small interfaces to
// the outside world (GitLab client, Kubernetes targets), and what each step reports back.
import type { KubeConfig, V1Deployment } from '@kubernetes/client-node';
import type { DryRunPreview } from './preview.js';
import type { GitLabClient } from '../gitlab/client.js';
import type { ProjectAudit } from '../ci-audit/types.js';
import type { ClusterGate } from '../continuity/rows.js';
import type { Plan, PlannedAgent, PlanStep } from '../plan/types.js';
import type { JournalStore } from './journal-store.js';
import type { EnsureProjectResult } from '../config-delivery/ensure-project.js';

export type ConfigVia = 'commit' | 'merge-request' | 'files';
export type InstallMode = 'apply' | 'manifests' | 'none';

export interface ApplySettings {
  dryRun: boolean;
  /** agent refs (or bare names) to narrow to; empty: every agent */
  only: string[];
  disableOldClusters: boolean;
  configVia: ConfigVia;
  install: InstallMode;
  /** where `--config-via files` and `--install manifests` write */
  outDir: string | null;
  /** wait for the rollout and the agent's connection */
  wait: boolean;
  rolloutDeadlineMs: number;
  connectionDeadlineMs: number;
  pollMs: number;
  forceConflicts: boolean;
  rbac: string;
  /** --fix-ci merge-request: open merge requests that make breaking deploy jobs select their context */
  fixCi: 'merge-request' | null;
  /** agents set up at once (--parallel) */
  parallel: number;
  /** who asked: apply's flags or the wizard's questions (hints.ts words the next steps) */
  askedBy: 'flags' | 'wizard';
}

/**
 * How sure we are that a context reaches the agent's certificate cluster: its server and CA are
 * the cluster's (matched), kube-system read through both is one (identity), the user said so
 * (--same-cluster), or nothing shows it yet (unproven: it may be another cluster).
 */
export type SameCluster = 'matched' | 'identity' | 'asserted' | 'unproven';

/** A kube context that reaches an agent's cluster, or why there is none. */
export type KubeTarget =
  | { ok: true; context: string; kc: KubeConfig; server: string; sameCluster: SameCluster }
  | { ok: false; problem: string };

export interface KubeAccess {
  targetFor(agent: PlannedAgent): KubeTarget;
  /** The context's credentials sent to the agent's certificate cluster API URL (for identity). */
  viaApiUrl(agent: PlannedAgent, context: string): KubeConfig | null;
}

export interface ApplyDeps {
  client: GitLabClient;
  kube: KubeAccess;
  journal: JournalStore;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** aborts on Ctrl-C/SIGTERM: nothing new starts, waits end */
  signal?: AbortSignal;
}

/**
 * done: changed something (or, in a dry run, would); unchanged: already so; skipped: not asked
 * for; needs-person: cannot proceed without a human; failed: an error, the agent stops there.
 */
export type StepStatus = 'done' | 'unchanged' | 'skipped' | 'needs-person' | 'failed';

export interface StepResult {
  status: StepStatus;
  detail: string;
}

/** What one agent's run has learned so far; steps read and extend it. */
export interface AgentRun {
  agent: PlannedAgent;
  projectId: number | null;
  /** a dry run found the project missing (it would be created): nothing in it can be read */
  projectMissing: boolean;
  agentId: number | null;
  /** a token created in this run, held in memory only until agentk has it */
  newToken: { id: number; value: string } | null;
  /** agentk's Deployment as install read it, when nothing needed writing (readiness reuses it) */
  liveDeployment: V1Deployment | null;
  /** the token this run created (kept after agentk has its value): it cannot have been used before */
  freshTokenId: number | null;
  installedTokenId: number | null;
  target: KubeTarget | null;
  /** config.yaml with this agent's access is on the default branch */
  configLive: boolean;
  connected: boolean;
  /** the cut-over cannot go on (a later step would break jobs): why */
  held: string | null;
  /** a variable or environment needs a person: old clusters stay on */
  incomplete: boolean;
}

export interface ApplyContext extends ApplyDeps {
  plan: Plan;
  settings: ApplySettings;
  kas: { address: string | null; version: string | null };
  /** agents fully cut over (connected, config live, variables and environments in place) */
  verified: Set<string>;
  /** why an agent is not verified (read when its old clusters would be turned off) */
  unverified: Map<string, string[]>;
  /** --fix-ci: the live CI audit of the projects in reach, by lower-cased path */
  audits?: Map<string, ProjectAudit>;
  /** the continuity gate of the clusters to turn off, read live before the first one goes */
  gate?: { gates: Map<number, ClusterGate> } | { error: string };
  /**
   * configuration projects this run has checked (or created), by path: every agent of a project
   * has a create-project step, and only the first asks GitLab
   */
  projects: Map<string, EnsureProjectResult>;
  /** a dry run only: what it would do, as it finds out (preview.ts) */
  preview?: DryRunPreview;
}

export type StepRunner = (step: PlanStep, run: AgentRun, ctx: ApplyContext) => Promise<StepResult>;
