// What a dry run would do, collected as it goes (like `terraform plan`): every GitLab write it
// would send, the diff of every agent configuration file, and every agentk object per cluster with
// the server-side dry run's result against the live object. The steps add to it only in their
// dry-run branches; a real run has no preview.

export interface WouldCall {
  /** the agents it is for (one configuration commit serves all agents of a project) */
  agents: string[];
  method: 'POST' | 'PUT' | 'DELETE';
  /** below /api/v4, as the request would be sent (ids and paths URL-encoded), from `/` */
  path: string;
  /** what the call is for, in words */
  what: string;
}

export interface WouldFile {
  /** the agent whose configuration it is; null for a CI fix (--fix-ci) */
  agent: string | null;
  project: string;
  path: string;
  change: 'create' | 'update';
  /** unified diff from the default branch's file to the file that would be committed */
  diff: string;
}

export interface WouldObject {
  agent: string;
  context: string;
  kind: string;
  namespace: string | null;
  name: string;
  outcome: 'created' | 'configured' | 'unchanged';
  /** for configured objects: unified diff of the live object to the dry run's (YAML) */
  diff: string | null;
}

export interface DryRunPreview {
  calls: WouldCall[];
  files: WouldFile[];
  objects: WouldObject[];
}

export function emptyPreview(): DryRunPreview {
  return { calls: [], files: [], objects: [] };
}

/** Records a GitLab write the dry run would send, when there is a preview (a dry run). */
export function wouldCall(
  preview: DryRunPreview | undefined,
  agents: string[],
  method: WouldCall['method'],
  path: string,
  what: string,
): void {
  preview?.calls.push({ agents, method, path: path.startsWith('/') ? path : `/${path}`, what });
}
