// Getting an agent's configuration files into its configuration project, three ways (--config-via):
//   commit         one commit on the default branch, create/update decided by what is there;
//   merge-request  a branch `migrate-clusters/<agent>` holding the files and one open merge request
//                  for it, updated (never duplicated) on later runs;
//   files          the tree written under --out-dir for people who push themselves.
// Every mode compares first and writes only what differs, so a second run makes no mutating request
// and writes no file. A dry run reads the same things, decides the same actions and reports the calls
// it would make, without making them.
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { InternalError, UserError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import type { GitLabClient } from '../gitlab/client.js';
import { explainGitLabError, httpFailure } from '../gitlab/errors.js';
import { writeOnce } from '../gitlab/lost-answer.js';
import {
  missingProject,
  projectInfo,
  readFilesAt,
  type BranchSnapshot,
  type ProjectInfo,
} from './read-files.js';

export { readConfigFiles } from './read-files.js';

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

/** The branch of merge-request mode. */
export function mergeRequestBranch(agentName: string): string {
  return `migrate-clusters/${agentName}`;
}

function checkRequest(request: DeliveryRequest): void {
  const seen = new Set<string>();
  for (const file of request.files) {
    const bad =
      file.path === '' ||
      file.path.startsWith('/') ||
      file.path.split('/').some((s) => s === '' || s === '.' || s === '..');
    if (bad || seen.has(file.path))
      throw new InternalError(`invalid or repeated configuration file path "${file.path}"`);
    seen.add(file.path);
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(request.agentName)) {
    throw new UserError(`"${request.agentName}" is not a valid agent name.`, {
      hint: 'Agent names are lower-case letters, digits and dashes (RFC 1123 label); fix the plan file.',
    });
  }
}

function decide(files: readonly DeliveryFile[], current: (path: string) => string | null) {
  return files.map((f) => {
    const now = current(f.path);
    const action: DeliveryAction =
      now == null ? 'create' : now === f.content ? 'unchanged' : 'update';
    return { file: f, action };
  });
}

function emptyResult(via: ConfigVia): DeliveryResult {
  return {
    via,
    changed: false,
    files: [],
    branch: null,
    commitId: null,
    mergeRequest: null,
    writtenPaths: [],
    calls: [],
    notes: [],
  };
}

export async function deliverConfig(
  client: GitLabClient | null,
  request: DeliveryRequest,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  checkRequest(request);
  if (options.via === 'files') return deliverFiles(request, options);
  if (!client) throw new InternalError(`--config-via ${options.via} needs a GitLab client`);
  return new GitLabDelivery(client, request, options).run();
}

async function deliverFiles(
  request: DeliveryRequest,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  if (!options.outDir) {
    throw new UserError(
      '--config-via files needs a directory to write the configuration files to.',
      {
        hint: 'Add --out-dir DIR; the files land in DIR/<project path>/.gitlab/agents/…',
      },
    );
  }
  const root = resolve(options.outDir, request.project);
  const result = emptyResult('files');
  const targets = request.files.map((f) => {
    const target = resolve(root, f.path);
    if (!target.startsWith(root + sep))
      throw new InternalError(`configuration file path "${f.path}" leaves ${root}`);
    return target;
  });
  const current = await Promise.all(
    targets.map(async (target) => {
      try {
        return await readFile(target, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return null;
        throw new UserError(`Cannot read ${target}: ${code ?? (error as Error).message}.`, {
          hint: 'Check the --out-dir directory is readable, or choose another one.',
          cause: error,
        });
      }
    }),
  );
  const decisions = decide(request.files, (path) => {
    const i = request.files.findIndex((f) => f.path === path);
    return current[i] ?? null;
  });
  for (const [i, { file, action }] of decisions.entries()) {
    result.files.push({ path: file.path, action });
    if (action === 'unchanged') continue;
    result.changed = true;
    if (options.dryRun) continue;
    const target = targets[i] as string;
    await writeFileAtomic(target, file.content);
    result.writtenPaths.push(target);
  }
  return result;
}

interface OpenMergeRequest {
  iid: number;
  webUrl: string;
  title: string;
  description: string;
}

function toOpenMergeRequest(mr: {
  iid: number;
  web_url: string;
  title: string;
  description?: string | null;
}): OpenMergeRequest {
  return { iid: mr.iid, webUrl: mr.web_url, title: mr.title, description: mr.description ?? '' };
}

/** The 400s GitLab gives when a file changed between our read and our commit. */
const RACE_MESSAGES = [
  'The file has changed since you started editing it',
  'A file with this name already exists',
  "A file with this name doesn't exist",
];

class GitLabDelivery {
  private readonly result: DeliveryResult;
  private readonly projectPath: string;
  private readonly encoded: string;
  /** dry run on a project apply has yet to create */
  private notCreatedYet = false;

  constructor(
    private readonly client: GitLabClient,
    private readonly request: DeliveryRequest,
    private readonly options: DeliveryOptions,
  ) {
    this.result = emptyResult(options.via);
    this.projectPath = request.project;
    this.encoded = encodeURIComponent(request.project);
  }

  private get dryRun(): boolean {
    return this.options.dryRun === true;
  }

  private get paths(): string[] {
    return this.request.files.map((f) => f.path);
  }

  async run(): Promise<DeliveryResult> {
    const result = await this.deliver();
    // a dry run's planned calls count too; a 409 on an MR someone else opened meanwhile does not
    result.changed = result.calls.length > 0;
    return result;
  }

  private async deliver(): Promise<DeliveryResult> {
    const info = this.options.known?.info ?? (await projectInfo(this.client, this.projectPath));
    if (!info) {
      if (!this.dryRun) throw missingProject(this.projectPath);
      // apply creates the project (README on main, see ensure-project.ts) before this step; a dry run
      // never does, so it plans on that project without asking GitLab about it
      this.result.notes.push(`${this.projectPath} does not exist yet; apply creates it first.`);
      this.notCreatedYet = true;
      const nothing = this.nothingOn('main', true);
      if (this.options.via === 'commit') return this.commitTo('main', nothing, null);
      return this.throughMergeRequest('main', nothing);
    }
    if (info.emptyRepo) {
      if (this.options.via === 'merge-request')
        this.result.notes.push(
          `${this.projectPath} has no commits yet, so there is no branch a merge request could target: ` +
            `the files go straight to ${info.defaultBranch}.`,
        );
      return this.toEmptyRepository(info.defaultBranch);
    }
    const onDefault =
      this.options.known?.onDefault ??
      (await readFilesAt(this.client, this.projectPath, this.paths, info.defaultBranch));
    if (this.options.via === 'commit') return this.commitTo(info.defaultBranch, onDefault, null);
    return this.throughMergeRequest(info.defaultBranch, onDefault);
  }

  private nothingOn(ref: string, refExists: boolean): BranchSnapshot {
    return { ref, refExists, files: Object.fromEntries(this.paths.map((p) => [p, null])) };
  }

  private async toEmptyRepository(branch: string): Promise<DeliveryResult> {
    return this.commitTo(branch, this.nothingOn(branch, false), null);
  }

  /** One commit of every differing file onto `branch` (created from `startBranch` when given). */
  private async commitTo(
    branch: string,
    current: BranchSnapshot,
    startBranch: string | null,
  ): Promise<DeliveryResult> {
    const decisions = decide(this.request.files, (p) => current.files[p]?.content ?? null);
    this.result.branch = branch;
    this.result.files = decisions.map((d) => ({ path: d.file.path, action: d.action }));
    const changes = decisions.filter((d) => d.action !== 'unchanged');
    if (changes.length === 0) return this.result;
    const summary =
      `commit ${changes.map((c) => `${c.action} ${c.file.path}`).join(', ')} to ${branch}` +
      (startBranch ? ` (new branch from ${startBranch})` : '');
    this.result.calls.push({
      method: 'POST',
      path: `/projects/${this.encoded}/repository/commits`,
      summary,
    });
    if (this.dryRun) return this.result;
    const actions = changes.map((c) => ({
      action: c.action === 'create' ? ('create' as const) : ('update' as const),
      filePath: c.file.path,
      content: c.file.content,
      ...(c.action === 'update' && current.files[c.file.path]
        ? { lastCommitId: current.files[c.file.path]?.lastCommitId }
        : {}),
    }));
    try {
      // Lost answer: when the branch holds exactly what we meant to commit, it was committed.
      const commit = await writeOnce<{ id: string }>(
        () =>
          this.client.pooled(() =>
            this.client.commits.create(
              this.projectPath,
              branch,
              this.request.commitMessage,
              actions,
              {
                ...(startBranch ? { startBranch } : {}),
              },
            ),
          ),
        async () => {
          const now = await readFilesAt(this.client, this.projectPath, this.paths, branch);
          const landed = changes.every((c) => now.files[c.file.path]?.content === c.file.content);
          return landed ? { id: now.files[changes[0]!.file.path]!.lastCommitId } : null;
        },
      );
      this.result.commitId = commit.id;
    } catch (error) {
      throw this.writeFailure(error, branch, `committing to ${branch} of ${this.projectPath}`);
    }
    return this.result;
  }

  private async throughMergeRequest(
    target: string,
    onDefault: BranchSnapshot,
  ): Promise<DeliveryResult> {
    const source = this.request.mergeRequestBranch ?? mergeRequestBranch(this.request.agentName);
    const alreadyThere = decide(this.request.files, (p) => onDefault.files[p]?.content ?? null);
    if (alreadyThere.every((d) => d.action === 'unchanged')) {
      this.result.branch = target;
      this.result.files = alreadyThere.map((d) => ({ path: d.file.path, action: d.action }));
      return this.result;
    }
    const onBranch = this.notCreatedYet
      ? this.nothingOn(source, false)
      : await readFilesAt(this.client, this.projectPath, this.paths, source);
    if (onBranch.refExists) await this.commitTo(source, onBranch, null);
    else await this.commitTo(source, onDefault, target);
    await this.ensureMergeRequest(source, target);
    return this.result;
  }

  private async findOpenMergeRequest(
    source: string,
    target: string,
  ): Promise<OpenMergeRequest | null> {
    if (this.notCreatedYet) return null;
    try {
      const list = await this.client.pooled(() =>
        this.client.mergeRequests.all({
          projectId: this.projectPath,
          sourceBranch: source,
          targetBranch: target,
          state: 'opened',
        }),
      );
      const first = list[0];
      return first ? toOpenMergeRequest(first) : null;
    } catch (error) {
      throw explainGitLabError(
        error,
        this.client.url,
        `listing merge requests of ${this.projectPath}`,
      );
    }
  }

  private async ensureMergeRequest(source: string, target: string): Promise<void> {
    const { mergeRequestTitle: title, mergeRequestDescription: description } = this.request;
    let open = await this.findOpenMergeRequest(source, target);
    let created = false;
    if (!open) {
      this.result.calls.push({
        method: 'POST',
        path: `/projects/${this.encoded}/merge_requests`,
        summary: `open a merge request from ${source} into ${target}`,
      });
      if (this.dryRun) return;
      try {
        // Lost answer: the open merge request from our branch is the one we opened.
        open = await writeOnce(
          async () =>
            toOpenMergeRequest(
              await this.client.pooled(() =>
                this.client.mergeRequests.create(this.projectPath, source, target, title, {
                  description,
                  removeSourceBranch: true,
                }),
              ),
            ),
          () => this.findOpenMergeRequest(source, target),
        );
        created = true;
      } catch (error) {
        // 409: someone (or a killed earlier run whose answer we never saw) opened it meanwhile
        const failure = httpFailure(error);
        if (failure?.status !== 409)
          throw this.writeFailure(error, source, 'opening a merge request');
        this.result.calls.pop();
        open = await this.findOpenMergeRequest(source, target);
        if (!open) throw explainGitLabError(error, this.client.url, 'opening a merge request');
      }
    }
    let updated = false;
    if (!created && (open.title !== title || open.description !== description)) {
      const iid = open.iid;
      this.result.calls.push({
        method: 'PUT',
        path: `/projects/${this.encoded}/merge_requests/${iid}`,
        summary: `update the description of merge request !${iid}`,
      });
      updated = true;
      if (!this.dryRun) {
        try {
          open = toOpenMergeRequest(
            await this.client.pooled(() =>
              this.client.mergeRequests.edit(this.projectPath, iid, { title, description }),
            ),
          );
        } catch (error) {
          throw this.writeFailure(error, source, `updating merge request !${iid}`);
        }
      }
    }
    this.result.mergeRequest = { iid: open.iid, webUrl: open.webUrl, created, updated };
  }

  private writeFailure(error: unknown, branch: string, doing: string): UserError {
    const failure = httpFailure(error);
    const project = this.projectPath;
    if (failure?.status === 403 && failure.description !== 'insufficient_scope') {
      const toDefault = this.options.via === 'commit' || !branch.startsWith('migrate-clusters/');
      return new UserError(`GitLab refused ${doing} (403 Forbidden).`, {
        hint: toDefault
          ? `Pushing to the protected default branch ${branch} needs the Maintainer role on ${project}; ` +
            'ask a maintainer, or use --config-via merge-request (Developer is enough).'
          : `Branches and merge requests need at least the Developer role on ${project}.`,
        cause: error,
      });
    }
    if (failure?.status === 404 && failure.description === '404 Project Not Found')
      return missingProject(project, error);
    if (failure?.status === 400 && RACE_MESSAGES.some((m) => failure.description.startsWith(m))) {
      return new UserError(
        `A configuration file in ${project} changed on ${branch} while migrate-clusters was writing it (${failure.description}).`,
        {
          hint: 'Run the command again: it re-reads the files and merges with the new content.',
          cause: error,
        },
      );
    }
    return explainGitLabError(error, this.client.url, doing);
  }
}
