// --config-via commit and merge-request: the files committed to the project's default branch, or to
// a branch of their own with one open merge request for it. Reads and writes go through the typed
// wrappers in src/gitlab (repository-files.ts, commits.ts, merge-requests.ts).
import type { GitLabClient } from '../gitlab/client.js';
import { createCommit, type FileAction } from '../gitlab/commits.js';
import {
  editMergeRequest,
  findOpenMergeRequest,
  openMergeRequest,
  type OpenMergeRequest,
} from '../gitlab/merge-requests.js';
import { missingProject, projectInfo } from '../gitlab/projects.js';
import { readFilesAt, type BranchSnapshot } from '../gitlab/repository-files.js';
import { decide, emptyResult } from './decide.js';
import type { DeliveryOptions, DeliveryRequest, DeliveryResult } from './types.js';
import { writeHints } from './write-failures.js';

export class GitLabDelivery {
  private readonly result: DeliveryResult;
  private readonly projectPath: string;
  private readonly encoded: string;
  /** dry run on a project apply has yet to create */
  private notCreatedYet = false;

  /** @param source merge-request mode's branch */
  constructor(
    private readonly client: GitLabClient,
    private readonly request: DeliveryRequest,
    private readonly options: DeliveryOptions,
    private readonly source: string,
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
    const actions: FileAction[] = changes.map((c) => ({
      action: c.action === 'create' ? ('create' as const) : ('update' as const),
      filePath: c.file.path,
      content: c.file.content,
      ...(c.action === 'update' && current.files[c.file.path]
        ? { lastCommitId: current.files[c.file.path]?.lastCommitId }
        : {}),
    }));
    const doing = `committing to ${branch} of ${this.projectPath}`;
    const commit = await createCommit(
      this.client,
      {
        project: this.projectPath,
        branch,
        message: this.request.commitMessage,
        actions,
        ...(startBranch ? { startBranch } : {}),
      },
      doing,
      // Lost answer: when the branch holds exactly what we meant to commit, it was committed.
      async () => {
        const now = await readFilesAt(this.client, this.projectPath, this.paths, branch);
        const landed = changes.every((c) => now.files[c.file.path]?.content === c.file.content);
        return landed ? { id: now.files[changes[0]!.file.path]!.lastCommitId } : null;
      },
      writeHints(this.options.via, this.projectPath, branch, doing),
    );
    this.result.commitId = commit.id;
    return this.result;
  }

  private async throughMergeRequest(
    target: string,
    onDefault: BranchSnapshot,
  ): Promise<DeliveryResult> {
    const source = this.source;
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

  private async findOpen(source: string, target: string): Promise<OpenMergeRequest | null> {
    if (this.notCreatedYet) return null;
    return findOpenMergeRequest(this.client, this.projectPath, source, target);
  }

  private async ensureMergeRequest(source: string, target: string): Promise<void> {
    const { mergeRequestTitle: title, mergeRequestDescription: description } = this.request;
    const hints = (doing: string) => writeHints(this.options.via, this.projectPath, source, doing);
    let open = await this.findOpen(source, target);
    let created = false;
    if (!open) {
      this.result.calls.push({
        method: 'POST',
        path: `/projects/${this.encoded}/merge_requests`,
        summary: `open a merge request from ${source} into ${target}`,
      });
      if (this.dryRun) return;
      const opened = await openMergeRequest(
        this.client,
        { project: this.projectPath, source, target, title, description },
        hints('opening a merge request'),
      );
      if (opened.kind === 'opened') {
        open = opened.mergeRequest;
        created = true;
      } else {
        // 409: someone (or a killed earlier run whose answer we never saw) opened it meanwhile
        this.result.calls.pop();
        open = await this.findOpen(source, target);
        if (!open) throw opened.error;
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
        open = await editMergeRequest(
          this.client,
          this.projectPath,
          iid,
          { title, description },
          hints(`updating merge request !${iid}`),
        );
      }
    }
    this.result.mergeRequest = { iid: open.iid, webUrl: open.webUrl, created, updated };
  }
}
