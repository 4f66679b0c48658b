// Many projects per request: one GraphQL query asks, for each project a plan wants agents in,
// whether it exists, its agents' names and the planned config files' contents (each project under
// its own alias, `project(fullPath:)`, which every GitLab version we support serves). GitLab
// limits a query's complexity (250 points with a token, gitlabhq/gitlabhq: app/graphql/gitlab_schema.rb),
// so the batch starts at a size that fits and shrinks to what GitLab's refusal says fits. Whatever
// GraphQL cannot answer completely (an error, more than one page of agents or files) is left to REST.
import { complexityRefusal, graphqlQuery, idOf } from '../gitlab/graphql.js';
import type { GitLabClient } from '../gitlab/client.js';
import { httpFailure } from '../gitlab/errors.js';
import { UntrustedAnswerError } from '../gitlab/untrusted-answer.js';

export interface ProjectRead {
  exists: boolean;
  /** path with namespace as GitLab spells it */
  agents: { id: number; name: string }[];
  files: Record<string, string | null>;
}

interface ProjectNode {
  repository: {
    rootRef: string | null;
    blobs: {
      nodes: { path: string; rawBlob: string | null }[];
      pageInfo: { hasNextPage: boolean };
    } | null;
  } | null;
  clusterAgents: {
    nodes: { id: string; name: string }[];
    pageInfo: { hasNextPage: boolean };
  } | null;
}

/** About 40 points a project with two files: six fit in 250. */
const FIRST_BATCH = 6;
const MAX_PATHS = 50;

const literal = (value: string) => JSON.stringify(value);

function queryFor(batch: { project: string; configPaths: string[] }[]): string {
  const fields = batch.map(
    (r, i) =>
      `p${i}: project(fullPath: ${literal(r.project)}) { repository { rootRef blobs(paths: [${r.configPaths.map(literal).join(', ')}], first: ${Math.max(1, r.configPaths.length)}) { nodes { path rawBlob } pageInfo { hasNextPage } } } clusterAgents(first: 100) { nodes { id name } pageInfo { hasNextPage } } }`,
  );
  return `query { ${fields.join(' ')} }`;
}

/** A node GraphQL answered completely, as a read; null where REST must ask instead. */
function readNode(node: ProjectNode | null, configPaths: string[]): ProjectRead | null {
  if (node == null) return { exists: false, agents: [], files: {} };
  if (node.clusterAgents == null || node.clusterAgents.pageInfo.hasNextPage) return null;
  // no repository: the caller may not read code (REST says how), or it is still being created
  if (node.repository == null) return null;
  const blobs = node.repository.blobs;
  if (node.repository.rootRef != null && (blobs == null || blobs.pageInfo.hasNextPage)) return null;
  const contents = new Map((blobs?.nodes ?? []).map((b) => [b.path, b.rawBlob]));
  if ([...contents.values()].some((c) => c == null)) return null;
  return {
    exists: true,
    agents: node.clusterAgents.nodes.map((a) => ({ id: idOf(a.id), name: a.name })),
    files: Object.fromEntries(configPaths.map((p) => [p, contents.get(p) ?? null])),
  };
}

export class GraphqlProjectReader {
  private batchSize = FIRST_BATCH;
  private available = true;

  constructor(private readonly client: GitLabClient) {}

  /**
   * Reads what it can of `requests` through GraphQL; the map holds a read for each project it
   * answered completely (by the request's project path). The rest is for REST.
   */
  async read(
    requests: { project: string; configPaths: string[] }[],
  ): Promise<Map<string, ProjectRead>> {
    const reads = new Map<string, ProjectRead>();
    const fit = requests.filter((r) => r.configPaths.length <= MAX_PATHS);
    // the first batch alone: it learns the size that fits, and whether GraphQL is there at all
    const first = fit.slice(0, this.batchSize);
    await this.readBatch(first, reads);
    const rest = fit.slice(first.length);
    const batches: (typeof fit)[] = [];
    for (let i = 0; i < rest.length; i += this.batchSize)
      batches.push(rest.slice(i, i + this.batchSize));
    await Promise.all(batches.map((batch) => this.readBatch(batch, reads)));
    return reads;
  }

  private async readBatch(
    batch: { project: string; configPaths: string[] }[],
    reads: Map<string, ProjectRead>,
  ): Promise<void> {
    if (!this.available || batch.length === 0) return;
    let answer;
    try {
      answer = await graphqlQuery<Record<string, ProjectNode | null>>(this.client, queryFor(batch));
    } catch (error) {
      // No GraphQL there (a proxy's page, a blocked path, a token it does not take): REST from now
      // on. REST then meets the same proxy or token, and says what is wrong in its words.
      if (httpFailure(error) != null || error instanceof UntrustedAnswerError) {
        this.available = false;
        return;
      }
      throw error;
    }
    const refused = complexityRefusal(answer.errors);
    if (refused && batch.length > 1) {
      // GitLab's own figure says how much fits; the next batches start there
      const size = Math.max(1, Math.floor((batch.length * refused.max) / refused.cost));
      this.batchSize = Math.min(this.batchSize, size);
      const halves: (typeof batch)[] = [];
      for (let i = 0; i < batch.length; i += size) halves.push(batch.slice(i, i + size));
      await Promise.all(halves.map((h) => this.readBatch(h, reads)));
      return;
    }
    // A partial answer may hide a project behind an error: only a clean one is taken.
    if (answer.errors.length > 0 || answer.data == null) return;
    batch.forEach((request, i) => {
      const read = readNode(answer.data![`p${i}`] ?? null, request.configPaths);
      if (read) reads.set(request.project, read);
    });
  }
}
