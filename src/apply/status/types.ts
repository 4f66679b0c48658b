// What `status` reports: one check per question an apply step asks, and per agent the state those
// checks add up to. Plain data, so `status --json` prints it as it is.
import type { GitLabClient } from '../../gitlab/client.js';
import type { Journal } from '../journal.js';
import type { KubeAccess } from '../types.js';

export type AgentState = 'not-started' | 'in-progress' | 'cut-over';
/** ok: done; pending: apply (or a person) still has to do it; unknown: cannot be checked from here */
export type CheckState = 'ok' | 'pending' | 'unknown';
export type CheckKind =
  'config' | 'agent' | 'tokens' | 'agentk' | 'variable' | 'environments' | 'cluster';

export interface StatusCheck {
  kind: CheckKind;
  /** what is checked, e.g. "KUBE_CONTEXT on group platform (scope *)" */
  subject: string;
  state: CheckState;
  detail: string;
}

export interface LiveCluster {
  id: number;
  name: string;
  enabled: boolean;
  apiUrl: string | null;
  caCert: string | null;
  namespacePerEnvironment: boolean | null;
}

export interface AgentStatusReport {
  ref: string;
  state: AgentState;
  agentId: number | null;
  activeTokens: number;
  connected: boolean;
  checks: StatusCheck[];
}

export interface PlanStatus {
  gitlabUrl: string;
  planGeneratedAt: string;
  /** when apply last recorded a change for this plan; null: no journal */
  journalUpdatedAt: string | null;
  agents: AgentStatusReport[];
  summary: Record<AgentState, number>;
  /** some agent is not cut over yet */
  pending: boolean;
}

export interface StatusDeps {
  client: GitLabClient;
  kube: KubeAccess;
  journal: Journal | null;
  /** from readLiveClusters; null: the cluster no longer exists */
  clusters: Map<number, LiveCluster | null>;
  now: () => Date;
}
