// Project repositories and merge requests for the simulator. A repository is a set of branches pointing
// at commits, and every commit holds its whole file tree (path -> blob), which is plenty for the few
// configuration files a migration touches. Ids are SHA-1s of content and a sequence number, never random,
// so a test that replays the same requests sees the same ids.
//
// Repositories are built lazily: a fixture project starts with one commit holding README.md (plus any
// fixture `repositories` files) the first time something reads it, so 10,000-project benchmark instances
// pay nothing. Projects created through POST /projects start empty (no branches), like GitLab's.

import { createHash } from 'node:crypto';
import { UserError } from '../../errors.js';
import type { FixtureRepository } from './fixture-types.js';
import type { ProjectRecord, UserRecord } from './records.js';

export interface BlobRecord {
  /** git's blob id: sha1("blob <size>\0<content>") */
  id: string;
  content: Buffer;
  sha256: string;
}

export interface CommitRecord {
  id: string;
  parentIds: string[];
  message: string;
  authorName: string;
  authorEmail: string;
  createdAt: string;
  tree: ReadonlyMap<string, BlobRecord>;
  stats: { additions: number; deletions: number; total: number };
}

export type MergeRequestState = 'opened' | 'closed' | 'merged';

export interface MergeRequestRecord {
  /** instance-wide id */
  id: number;
  /** per-project number, `!iid` */
  iid: number;
  project: ProjectRecord;
  title: string;
  description: string;
  state: MergeRequestState;
  sourceBranch: string;
  targetBranch: string;
  author: UserRecord;
  removeSourceBranch: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergedBy: UserRecord | null;
  mergeCommitId: string | null;
}

/** One change of a commit, as the Commits API takes it (content already decoded). */
export interface FileAction {
  action: 'create' | 'update' | 'delete' | 'move' | 'chmod';
  filePath: string;
  previousPath?: string;
  content?: Buffer;
  lastCommitId?: string;
}

/** A commit GitLab (Gitaly) refuses; the Commits API answers 400 with this message. */
export class RepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepositoryError';
  }
}

const sha1 = (data: string | Buffer): string => createHash('sha1').update(data).digest('hex');

export function makeBlob(content: Buffer): BlobRecord {
  return {
    id: sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content])),
    content,
    sha256: createHash('sha256').update(content).digest('hex'),
  };
}

function lineCount(content: Buffer | undefined): string[] {
  if (!content || content.length === 0) return [];
  const lines = content.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** git's numstat is a diff; a multiset comparison of lines is close enough for stats. */
function diffStats(
  before: ReadonlyMap<string, BlobRecord>,
  after: ReadonlyMap<string, BlobRecord>,
): CommitRecord['stats'] {
  let additions = 0;
  let deletions = 0;
  for (const path of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(path);
    const b = after.get(path);
    if (a?.id === b?.id) continue;
    const old = new Map<string, number>();
    for (const line of lineCount(a?.content)) old.set(line, (old.get(line) ?? 0) + 1);
    let kept = 0;
    const added = lineCount(b?.content);
    for (const line of added) {
      const n = old.get(line) ?? 0;
      if (n > 0) {
        old.set(line, n - 1);
        kept++;
      }
    }
    additions += added.length - kept;
    deletions += lineCount(a?.content).length - kept;
  }
  return { additions, deletions, total: additions + deletions };
}

/** Gitaly's checks, applied one action at a time to the evolving tree like UserCommitFiles does. */
export function applyActions(
  repository: ProjectRepository,
  base: CommitRecord | undefined,
  actions: readonly FileAction[],
): Map<string, BlobRecord> {
  const tree = new Map(base?.tree ?? []);
  const isDirectory = (path: string): boolean => {
    const prefix = `${path}/`;
    for (const key of tree.keys()) if (key.startsWith(prefix)) return true;
    return false;
  };
  const checkPath = (path: string | undefined): string => {
    if (path == null || path === '') throw new RepositoryError('You must provide a file path');
    const clean = path.replace(/^\/+/, '');
    if (clean.split('/').some((s) => s === '..'))
      throw new RepositoryError('Path cannot include directory traversal');
    return clean;
  };
  const checkUnchanged = (path: string, lastCommitId: string | undefined): void => {
    if (lastCommitId == null || base == null) return;
    const last = repository.lastCommitFor(base, path);
    if (last && last.id !== lastCommitId)
      throw new RepositoryError(`The file has changed since you started editing it: ${path}`);
  };
  for (const a of actions) {
    const path = checkPath(a.filePath);
    switch (a.action) {
      case 'create':
        if (tree.has(path)) throw new RepositoryError('A file with this name already exists');
        if (isDirectory(path))
          throw new RepositoryError('A directory with this name already exists');
        tree.set(path, makeBlob(a.content ?? Buffer.alloc(0)));
        break;
      case 'update':
        if (!tree.has(path)) throw new RepositoryError("A file with this name doesn't exist");
        checkUnchanged(path, a.lastCommitId);
        tree.set(path, makeBlob(a.content ?? Buffer.alloc(0)));
        break;
      case 'delete':
        if (!tree.has(path)) throw new RepositoryError("A file with this name doesn't exist");
        checkUnchanged(path, a.lastCommitId);
        tree.delete(path);
        break;
      case 'chmod':
        if (!tree.has(path)) throw new RepositoryError("A file with this name doesn't exist");
        break;
      case 'move': {
        const from = checkPath(a.previousPath);
        const blob = tree.get(from);
        if (!blob) throw new RepositoryError("A file with this name doesn't exist");
        if (tree.has(path)) throw new RepositoryError('A file with this name already exists');
        checkUnchanged(from, a.lastCommitId);
        tree.delete(from);
        tree.set(path, a.content ? makeBlob(a.content) : blob);
        break;
      }
    }
  }
  return tree;
}

export interface CommitInput {
  branch: string;
  parent: CommitRecord | undefined;
  /** a merge commit's other parent */
  mergedParent?: CommitRecord;
  tree: ReadonlyMap<string, BlobRecord>;
  message: string;
  authorName: string;
  authorEmail: string;
  createdAt: string;
}

export class ProjectRepository {
  /** branch name -> head commit */
  readonly branches = new Map<string, CommitRecord>();
  readonly commits = new Map<string, CommitRecord>();
  readonly mergeRequests: MergeRequestRecord[] = [];

  constructor(
    readonly project: ProjectRecord,
    private readonly nextSeq: () => number,
  ) {}

  get empty(): boolean {
    return this.branches.size === 0;
  }

  /** A branch name, or a commit id (full, or at least 7 leading characters). */
  resolve(ref: string): CommitRecord | undefined {
    const head = this.branches.get(ref);
    if (head) return head;
    if (!/^[0-9a-f]{7,40}$/.test(ref)) return undefined;
    const exact = this.commits.get(ref);
    if (exact) return exact;
    for (const [id, commit] of this.commits) if (id.startsWith(ref)) return commit;
    return undefined;
  }

  /**
   * GitLab's last_commit_id: the newest commit that changed `path`, following (like `git log -- path`)
   * a parent whose copy of the file is identical, so a merge commit is skipped for files it took as-is.
   */
  lastCommitFor(from: CommitRecord, path: string): CommitRecord | undefined {
    const blobId = from.tree.get(path)?.id;
    if (blobId === undefined) return undefined;
    let current = from;
    for (;;) {
      const same = current.parentIds
        .map((id) => this.commits.get(id))
        .find((parent) => parent?.tree.get(path)?.id === blobId);
      if (!same) return current;
      current = same;
    }
  }

  /** `head` and every commit reachable from it (all parents), nearest first. */
  history(head: CommitRecord): CommitRecord[] {
    const out: CommitRecord[] = [];
    const seen = new Set<string>();
    const queue = [head];
    for (let c = queue.shift(); c; c = queue.shift()) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      out.push(c);
      for (const id of c.parentIds) {
        const parent = this.commits.get(id);
        if (parent) queue.push(parent);
      }
    }
    return out;
  }

  /** Is `commit` reachable from `head`? (the branch `merged` flag, fast-forward checks) */
  reachable(head: CommitRecord, commit: CommitRecord): boolean {
    return this.history(head).some((c) => c.id === commit.id);
  }

  /**
   * The tree of merging `source` into `target`: a three-way merge per file against their merge base.
   * Null when both sides changed one file differently (GitLab: "Branch cannot be merged").
   */
  mergedTree(source: CommitRecord, target: CommitRecord): Map<string, BlobRecord> | null {
    const onTarget = new Set(this.history(target).map((c) => c.id));
    const base = this.history(source).find((c) => onTarget.has(c.id));
    const baseTree = base?.tree ?? new Map<string, BlobRecord>();
    const tree = new Map(target.tree);
    for (const path of new Set([...source.tree.keys(), ...baseTree.keys()])) {
      const theirs = source.tree.get(path);
      const was = baseTree.get(path);
      if (theirs?.id === was?.id) continue; // the source did not touch it
      const ours = target.tree.get(path);
      if (ours?.id !== was?.id && ours?.id !== theirs?.id) return null;
      if (theirs) tree.set(path, theirs);
      else tree.delete(path);
    }
    return tree;
  }

  commit(input: CommitInput): CommitRecord {
    const seq = this.nextSeq();
    const treeId = sha1(
      [...input.tree.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([path, blob]) => `${path}\0${blob.id}\n`)
        .join(''),
    );
    const parentIds = [input.parent, input.mergedParent].flatMap((p) => (p ? [p.id] : []));
    const id = sha1(
      `tree ${treeId}\n${parentIds.map((p) => `parent ${p}\n`).join('')}` +
        `author ${input.authorName} <${input.authorEmail}> ${input.createdAt} #${seq}\n\n${input.message}`,
    );
    const record: CommitRecord = {
      id,
      parentIds,
      message: input.message,
      authorName: input.authorName,
      authorEmail: input.authorEmail,
      createdAt: input.createdAt,
      tree: input.tree,
      stats: diffStats(input.parent?.tree ?? new Map(), input.tree),
    };
    this.commits.set(id, record);
    this.branches.set(input.branch, record);
    return record;
  }
}

/**
 * Kept per project record (not per id): the `empty_repo` field of project entities reads it, and records
 * belong to one simulator state, so two simulators in one process never see each other's repositories.
 */
const repositoriesByProject = new WeakMap<ProjectRecord, ProjectRepository>();

/** `empty_repo` of the project entity: only projects created empty (POST /projects) can be. */
export function isEmptyRepository(project: ProjectRecord): boolean {
  return repositoriesByProject.get(project)?.empty ?? false;
}

const API_EPOCH_MS = Date.UTC(2025, 0, 1);

export class RepositoryStore {
  private readonly seeds = new Map<number, FixtureRepository[]>();
  private seq = 0;
  private clock = 0;
  private mergeRequestId = 0;

  constructor(
    findProject: (path: string) => ProjectRecord | undefined,
    fixture: readonly FixtureRepository[],
  ) {
    fixture.forEach((entry, i) => {
      const project = findProject(entry.project);
      if (!project)
        throw new UserError(
          `repositories[${i}] names project "${entry.project}", which is not a project`,
        );
      let list = this.seeds.get(project.id);
      if (!list) this.seeds.set(project.id, (list = []));
      list.push(entry);
    });
  }

  /** Times of API writes: a fixed clock advanced one minute per write (never the wall clock). */
  now(): string {
    return new Date(API_EPOCH_MS + ++this.clock * 60_000).toISOString();
  }

  nextMergeRequestId(): number {
    return ++this.mergeRequestId;
  }

  of(project: ProjectRecord): ProjectRepository {
    let repository = repositoriesByProject.get(project);
    if (!repository) {
      repository = this.seed(project);
      repositoriesByProject.set(project, repository);
    }
    return repository;
  }

  /** For POST /projects: a repository with no commits, or one README.md commit on `branch`. */
  createFor(project: ProjectRecord, readme: { branch: string; author: UserRecord } | null): void {
    const repository = new ProjectRepository(project, () => ++this.seq);
    if (readme) {
      repository.commit({
        branch: readme.branch,
        parent: undefined,
        tree: new Map([['README.md', makeBlob(Buffer.from(`# ${project.name}\n`))]]),
        message: 'Initial commit',
        authorName: readme.author.name,
        authorEmail: `${readme.author.username}@example.com`,
        createdAt: this.now(),
      });
    }
    repositoriesByProject.set(project, repository);
  }

  private seed(project: ProjectRecord): ProjectRepository {
    const repository = new ProjectRepository(project, () => ++this.seq);
    const author = { authorName: 'Administrator', authorEmail: 'admin@example.com' };
    const entries = this.seeds.get(project.id) ?? [];
    const tree = new Map([['README.md', makeBlob(Buffer.from(`# ${project.name}\n`))]]);
    for (const e of entries) {
      if ((e.branch ?? project.defaultBranch) !== project.defaultBranch) continue;
      for (const [path, text] of Object.entries(e.files))
        tree.set(path, makeBlob(Buffer.from(text)));
    }
    const root = repository.commit({
      branch: project.defaultBranch,
      parent: undefined,
      tree,
      message: 'Initial commit',
      createdAt: project.createdAt,
      ...author,
    });
    for (const e of entries) {
      if (e.branch == null || e.branch === project.defaultBranch) continue;
      const parent = repository.branches.get(e.branch) ?? root;
      const next = new Map(parent.tree);
      for (const [path, text] of Object.entries(e.files))
        next.set(path, makeBlob(Buffer.from(text)));
      repository.commit({
        branch: e.branch,
        parent,
        tree: next,
        message: `Add files to ${e.branch}`,
        createdAt: new Date(Date.parse(project.createdAt) + 60_000).toISOString(),
        ...author,
      });
    }
    return repository;
  }
}
