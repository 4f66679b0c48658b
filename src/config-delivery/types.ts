// What configuration delivery is asked to do and what it reports back.
import type { BranchSnapshot } from '../gitlab/repository-files.js';
import type { ProjectInfo } from '../gitlab/projects.js';

export type ConfigVia = 'commit' | 'merge-request' | 'files';

/** A configuration file with its full desired content. */
export interface DeliveryFile {
  /** path in the configuration project, e.g. `.gitlab/agents/prod/config.yaml` */
  path: string;
  content: string;
}

export interface DeliveryRequest {
  /** full path of the agent's configuration project */
  project: string;
  agentName: string;
  files: DeliveryFile[];
  commitMessage: string;
  mergeRequestTitle: string;
  /** lists the certificate clusters the agent replaces */
  mergeRequestDescription: string;
  /** merge-request mode's source branch; default `migrate-clusters/<agentName>` */
  mergeRequestBranch?: string;
}

export interface DeliveryOptions {
  via: ConfigVia;
  /** `files` mode: the tree goes to `<outDir>/<project path>/<file path>` */
  outDir?: string;
  dryRun?: boolean;
  /**
   * the project and its files on the default branch, as the caller has just read them (paths a
   * superset of the request's): saves reading them again
   */
  known?: { info: ProjectInfo; onDefault: BranchSnapshot };
}

/** What this run did (or, in a dry run, would do) to a file on the branch it writes. */
export type DeliveryAction = 'create' | 'update' | 'unchanged';

/** A mutating request, made or (dry run) planned; paths are below /api/v4. */
export interface DeliveryCall {
  method: 'POST' | 'PUT';
  path: string;
  summary: string;
}

export interface DeliveryResult {
  via: ConfigVia;
  /** something was written (or would be, in a dry run) */
  changed: boolean;
  files: { path: string; action: DeliveryAction }[];
  /** the branch written to: the default branch, or the merge request's source branch */
  branch: string | null;
  commitId: string | null;
  /** the open merge request for the branch; null when there is none (yet, in a dry run) */
  mergeRequest: { iid: number; webUrl: string; created: boolean; updated: boolean } | null;
  /** files mode: the local files written */
  writtenPaths: string[];
  calls: DeliveryCall[];
  /** things a person should know, e.g. why a merge request could not be opened */
  notes: string[];
}
