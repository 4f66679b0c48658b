// What the planner is told besides the inventory. Pure data; the clock is injected.
export interface PlanOptions {
  /** admin setting `organization_cluster_agent_authorization_enabled` is on (self-managed, 17.11+) */
  instanceAuthorization: boolean;
  tier: 'free' | 'premium';
  /** also grant `user_access` (Kubernetes dashboard): it gives people access they did not have */
  userAccess: boolean;
  /** name of the shared agent project created in a root group when no project fits (rule 3 (docs/mapping-rules.md)) */
  agentProjectName: string;
  /** explicit agent projects, by root namespace (rule 3's "explicit choice") */
  agentProjects: Record<string, string>;
  /** kube context per certificate cluster id (--context-for) */
  contextFor: Record<number, string>;
  /** read and audit the CI configuration of every project in reach (plan --no-ci-audit: off) */
  ciAudit: boolean;
  now: () => Date;
}

export const defaultPlanOptions = (): PlanOptions => ({
  instanceAuthorization: false,
  tier: 'free',
  userAccess: false,
  agentProjectName: 'gitlab-agents',
  agentProjects: {},
  contextFor: {},
  ciAudit: true,
  now: () => new Date(),
});
