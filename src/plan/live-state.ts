// What already exists in GitLab for the agents a plan wants, read before planning so that a
// plan after a complete migration shows nothing pending. Pure data, filled by read-live-state.ts.

export interface LiveProject {
  exists: boolean;
  /** names of agents registered in the project */
  agents: string[];
  /** config file path -> content on the default branch (null: no such file) */
  files: Record<string, string | null>;
  /** registered agents GitLab counts as connected: an active token used within the hour (continuity/connected.ts) */
  connectedAgents?: string[];
  /** the project's environments and the agent (of this project) each is linked to */
  environments?: { name: string; agent: string | null }[];
}

export interface LiveVariable {
  key: string;
  environmentScope: string;
  value: string | null;
}

export interface LiveState {
  /** by project full path, lower-cased (GitLab paths are case-insensitive) */
  projects: Record<string, LiveProject>;
  /** CI/CD variables by `variableOwnerKey` (read only where a registered agent plans some) */
  variables?: Record<string, LiveVariable[]>;
}

export const emptyLiveState = (): LiveState => ({ projects: {} });

export const variableOwnerKey = (level: string, owner: string | null) =>
  `${level}:${(owner ?? '').toLowerCase()}`;

export function liveProject(state: LiveState, path: string): LiveProject | undefined {
  return state.projects[path.toLowerCase()];
}
