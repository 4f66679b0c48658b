// What already exists in GitLab for the agents a plan wants, read before planning so that a
// plan after a complete migration shows nothing pending. Pure data, filled by read-live-state.ts.

export interface LiveProject {
  exists: boolean;
  /** names of agents registered in the project */
  agents: string[];
  /** config file path -> content on the default branch (null: no such file) */
  files: Record<string, string | null>;
}

export interface LiveState {
  /** by project full path, lower-cased (GitLab paths are case-insensitive) */
  projects: Record<string, LiveProject>;
}

export const emptyLiveState = (): LiveState => ({ projects: {} });

export function liveProject(state: LiveState, path: string): LiveProject | undefined {
  return state.projects[path.toLowerCase()];
}
