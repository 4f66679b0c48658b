// POST /api/graphql: the part of GitLab's GraphQL schema a plan reads (a project by full path, its
// repository's root ref and blobs, its cluster agents), executed by graphql-js, with GitLab's
// answers where they matter:
//   - queries only; a project the caller cannot see is null (Resolvers::ProjectResolver);
//   - `repository` is null without read_code; `blobs` returns only the paths that exist at the ref
//     (root ref by default), nothing for an empty repository (gitlabhq/gitlabhq:
//     app/graphql/resolvers/blobs_resolver.rb);
//   - `clusterAgents` is empty below Developer (Clusters::AgentsFinder), 100 per page at most;
//   - query complexity as GitLab computes it (gitlabhq/gitlabhq: app/graphql/types/base_field.rb,
//     app/graphql/resolvers/base_resolver.rb): 1 per field, +1 where Gitaly is called, resolvers
//     add 1 (+1 per blob path) and connections 1% per item of the page; over 200 anonymous, 250 with
//     a token or 300 for an admin (app/graphql/gitlab_schema.rb), the query is refused with
//     "Query has complexity of N, which exceeds max complexity of M" and HTTP 200.
import {
  buildSchema,
  graphql,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type GraphQLError,
  type FieldNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { canReadCode, canReadProject, hasProjectAccess } from './access.js';
import { authenticate, type Credentials } from './auth.js';
import { ApiError, type ApiResponse } from './http-kit.js';
import type { ProjectRecord, SimulatorState, UserRecord } from './state.js';

const SDL = /* GraphQL */ `
  type Query {
    project(fullPath: ID!): Project
  }
  type Project {
    id: ID!
    fullPath: ID!
    repository: Repository
    clusterAgents(first: Int, after: String): ClusterAgentConnection
  }
  type Repository {
    rootRef: String
    empty: Boolean!
    blobs(paths: [String!]!, ref: String, first: Int, after: String): RepositoryBlobConnection
  }
  type RepositoryBlobConnection {
    nodes: [RepositoryBlob]
    pageInfo: PageInfo!
  }
  type RepositoryBlob {
    id: ID!
    path: String!
    name: String
    rawBlob: String
  }
  type ClusterAgentConnection {
    count: Int!
    nodes: [ClusterAgent]
    pageInfo: PageInfo!
  }
  type ClusterAgent {
    id: ID!
    name: String
  }
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
`;

const DEVELOPER = 30;
const MAX_PAGE = 100;
/** fields that call Gitaly (`calls_gitaly: true`) */
const GITALY = new Set(['Repository.rootRef', 'Repository.blobs', 'RepositoryBlob.rawBlob']);
/** fields backed by a resolver, and the share per item their connection adds */
const RESOLVERS: Record<string, number> = {
  'Query.project': 0,
  'Project.clusterAgents': 0.01,
  'Repository.blobs': 0.01,
};

let schema: GraphQLSchema | null = null;
const theSchema = () => (schema ??= buildSchema(SDL));

interface Context {
  state: SimulatorState;
  user: UserRecord | null;
}

function page<T>(items: T[], first: number | null | undefined, after: string | null | undefined) {
  const start = after ? Number(Buffer.from(after, 'base64').toString('utf8')) + 1 : 0;
  const size = Math.min(MAX_PAGE, first ?? MAX_PAGE);
  const nodes = items.slice(start, start + size);
  const end = start + nodes.length - 1;
  return {
    nodes,
    count: items.length,
    pageInfo: {
      hasNextPage: start + nodes.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: nodes.length ? Buffer.from(String(start)).toString('base64') : null,
      endCursor: nodes.length ? Buffer.from(String(end)).toString('base64') : null,
    },
  };
}

function projectNode(project: ProjectRecord, ctx: Context) {
  return {
    id: `gid://gitlab/Project/${project.id}`,
    fullPath: project.pathWithNamespace,
    repository: () => {
      if (!canReadCode(ctx.state, ctx.user, project)) return null;
      const repository = ctx.state.repositories.of(project);
      return {
        rootRef: () => (repository.empty ? null : project.defaultBranch),
        empty: () => repository.empty,
        blobs: (args: { paths: string[]; ref?: string | null; first?: number; after?: string }) => {
          if (repository.empty) return page([], args.first, args.after);
          const commit = repository.resolve(args.ref ?? project.defaultBranch);
          const found = commit
            ? args.paths.flatMap((path) => {
                const blob = commit.tree.get(path);
                return blob
                  ? [
                      {
                        id: `gid://gitlab/Gitlab::Graphql::Representation::TreeEntry/${blob.id}`,
                        path,
                        name: path.split('/').pop(),
                        rawBlob: blob.content.toString('utf8'),
                      },
                    ]
                  : [];
              })
            : [];
          return page(found, args.first, args.after);
        },
      };
    },
    clusterAgents: (args: { first?: number; after?: string }) => {
      const agents = hasProjectAccess(ctx.state, ctx.user, project, DEVELOPER)
        ? ctx.state.agents.forProject(project)
        : [];
      return page(
        agents.map((a) => ({ id: `gid://gitlab/Clusters::Agent/${a.id}`, name: a.name })),
        args.first,
        args.after,
      );
    },
  };
}

/** GitLab's query complexity (see the top of the file). */
function complexity(document: DocumentNode, variables: Record<string, unknown>): number {
  const info = new TypeInfo(theSchema());
  const costs = new Map<FieldNode, string>();
  visit(
    document,
    visitWithTypeInfo(info, {
      Field(node) {
        const parent = info.getParentType();
        if (parent) costs.set(node, `${parent.name}.${node.name.value}`);
      },
    }),
  );
  const argument = (node: FieldNode, name: string): unknown => {
    const arg = node.arguments?.find((a) => a.name.value === name);
    if (!arg) return undefined;
    if (arg.value.kind === Kind.VARIABLE) return variables[arg.value.name.value];
    if (arg.value.kind === Kind.INT) return Number(arg.value.value);
    if (arg.value.kind === Kind.LIST) return arg.value.values;
    return undefined;
  };
  const ofSet = (set: SelectionSetNode | undefined): number =>
    (set?.selections ?? []).reduce(
      (sum, s) =>
        sum +
        (s.kind === Kind.FIELD
          ? ofField(s)
          : s.kind === Kind.INLINE_FRAGMENT
            ? ofSet(s.selectionSet)
            : 0),
      0,
    );
  const ofField = (node: FieldNode): number => {
    const key = costs.get(node) ?? '';
    const gitaly = GITALY.has(key) ? 1 : 0;
    const children = ofSet(node.selectionSet);
    if (!(key in RESOLVERS)) return 1 + gitaly + children;
    const paths = argument(node, 'paths');
    let cost = children + 1 + (Array.isArray(paths) ? paths.length : 0) + gitaly;
    const first = argument(node, 'first');
    const limit = Math.min(MAX_PAGE, typeof first === 'number' ? first : MAX_PAGE);
    cost += cost * limit * RESOLVERS[key]!;
    return Math.trunc(cost);
  };
  return document.definitions.reduce(
    (sum, d) => sum + (d.kind === Kind.OPERATION_DEFINITION ? ofSet(d.selectionSet) : 0),
    0,
  );
}

const errors = (...messages: string[]): ApiResponse => ({
  status: 200,
  json: { errors: messages.map((message) => ({ message })) },
});

export async function handleGraphql(
  state: SimulatorState,
  credentials: Credentials,
  method: string,
  body: unknown,
): Promise<ApiResponse> {
  if (method !== 'POST') return { status: 404, json: { message: '404 Not Found' } };
  let user: UserRecord | null;
  try {
    // a query reads: read_api is enough, as for GET on the REST API
    user =
      authenticate(state, credentials, 'GET', { auth: 'optional', extraReadScopes: [] })?.user ??
      null;
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, json: error.body };
    throw error;
  }
  const { query, variables } = (body ?? {}) as { query?: unknown; variables?: unknown };
  if (typeof query !== 'string') return errors('No query string was present');
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return errors((error as GraphQLError).message);
  }
  const invalid = validate(theSchema(), document);
  if (invalid.length > 0) return errors(...invalid.map((e) => e.message));
  if (
    document.definitions.some(
      (d) => d.kind === Kind.OPERATION_DEFINITION && d.operation !== OperationTypeNode.QUERY,
    )
  )
    return errors('Only queries are served here');
  const vars = (variables ?? {}) as Record<string, unknown>;
  const max = user == null ? 200 : user.admin ? 300 : 250;
  const cost = complexity(document, vars);
  if (cost > max)
    return errors(`Query has complexity of ${cost}, which exceeds max complexity of ${max}`);
  const ctx: Context = { state, user };
  const result = await graphql({
    schema: theSchema(),
    source: query,
    variableValues: vars,
    contextValue: ctx,
    rootValue: {
      project: ({ fullPath }: { fullPath: string }) => {
        const project = state.findProject(fullPath);
        return project && canReadProject(state, user, project) ? projectNode(project, ctx) : null;
      },
    },
  });
  return { status: 200, json: JSON.parse(JSON.stringify(result)) as unknown };
}
