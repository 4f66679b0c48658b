// The simulator's agents for Kubernetes, their tokens, and the project environments that can point at
// an agent (they live here because an environment's agent link is the only thing the migration changes
// on them, and deleting an agent has to unlink them). Rules follow GitLab's models:
//   - app/models/clusters/agent.rb: name presence, <= 63, unique per project, RFC 1123 label;
//   - app/models/clusters/agent_token.rb + AgentTokens::CreateService: `glagent-` + 50 url-safe characters,
//     shown once, at most two active tokens per agent, revoking is idempotent;
//   - app/models/environment.rb: slug and tier derived from the name, namespace needs an agent.
// Token secrets stay inside this store: entities never carry them (the POST response builds its body from
// the value `createToken` hands back once), and `secrets()` exists only so the request log can redact them.

import { createHash, randomBytes } from 'node:crypto';
import { UserError } from '../../errors.js';
import type { GitLabFixture } from './fixture-types.js';
import type { ProjectRecord, RecordLookup, UserRecord } from './records.js';

export const AGENT_TOKEN_PREFIX = 'glagent-';
export const ACTIVE_TOKENS_LIMIT = 2;
const AGENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const AGENT_NAME_MESSAGE =
  "can contain only lowercase letters, digits, and '-', but cannot start or end with '-'";

export interface AgentRecord {
  id: number;
  name: string;
  project: ProjectRecord;
  createdAt: string;
  createdByUserId: number | null;
  /** every token ever created, ascending id (revoked ones stay, as in GitLab) */
  tokens: AgentTokenRecord[];
}

export interface AgentTokenRecord {
  id: number;
  agent: AgentRecord;
  name: string;
  description: string | null;
  status: 'active' | 'revoked';
  createdAt: string;
  createdByUserId: number | null;
  lastUsedAt: string | null;
}

export type EnvironmentTier = 'production' | 'staging' | 'testing' | 'development' | 'other';
export const ENVIRONMENT_TIERS: readonly EnvironmentTier[] = [
  'production',
  'staging',
  'testing',
  'development',
  'other',
];

export interface EnvironmentRecord {
  id: number;
  project: ProjectRecord;
  name: string;
  slug: string;
  tier: EnvironmentTier;
  createdAt: string;
  updatedAt: string;
  clusterAgent: AgentRecord | null;
  kubernetesNamespace: string | null;
  fluxResourcePath: string | null;
}

/** ActiveModel `errors.full_messages` for a new agent name (declaration order of the validations). */
export function agentNameErrors(name: string, taken: boolean): string[] {
  const errors: string[] = [];
  if (name.trim() === '') errors.push("Name can't be blank");
  if (name.length > 63) errors.push('Name is too long (maximum is 63 characters)');
  if (taken) errors.push('Name has already been taken');
  if (!AGENT_NAME.test(name)) errors.push(`Name ${AGENT_NAME_MESSAGE}`);
  return errors;
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: string[] | string };

export class AgentStore {
  private readonly byId = new Map<number, AgentRecord>();
  /** project id -> agents, kept ordered by name (AgentsFinder orders by name) */
  private readonly byProject = new Map<number, AgentRecord[]>();
  private readonly tokensBySecret = new Map<string, AgentTokenRecord>();
  private nextAgentId = 1;
  private nextTokenId = 1;
  // A fresh seed per store: token values are unpredictable across runs but cheap to make.
  private readonly seed = randomBytes(16).toString('hex');
  private generated = 0;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  forProject(project: ProjectRecord): readonly AgentRecord[] {
    return this.byProject.get(project.id) ?? [];
  }

  /** `project.cluster_agents.find(id)`: agents of other projects are invisible. */
  find(project: ProjectRecord, id: number): AgentRecord | undefined {
    const agent = this.byId.get(id);
    return agent && agent.project.id === project.id ? agent : undefined;
  }

  register(project: ProjectRecord, name: string, creator: UserRecord | null): Result<AgentRecord> {
    const taken = this.forProject(project).some((a) => a.name === name);
    const errors = agentNameErrors(name, taken);
    if (errors.length > 0) return { ok: false, errors };
    const agent: AgentRecord = {
      id: this.nextAgentId++,
      name,
      project,
      createdAt: this.clock().toISOString(),
      createdByUserId: creator?.id ?? null,
      tokens: [],
    };
    this.byId.set(agent.id, agent);
    const list = [...this.forProject(project), agent].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id,
    );
    this.byProject.set(project.id, list);
    return { ok: true, value: agent };
  }

  /** Removes the agent and its tokens; `environments` loses its links to it (FK on delete nullify). */
  delete(agent: AgentRecord, environments: EnvironmentStore): void {
    this.byId.delete(agent.id);
    this.byProject.set(
      agent.project.id,
      this.forProject(agent.project).filter((a) => a.id !== agent.id),
    );
    for (const [secret, token] of this.tokensBySecret) {
      if (token.agent === agent) this.tokensBySecret.delete(secret);
    }
    environments.unlinkAgent(agent);
  }

  activeTokens(agent: AgentRecord): AgentTokenRecord[] {
    // `order_last_used_at_desc` (nulls last), ties by id
    return agent.tokens
      .filter((t) => t.status === 'active')
      .sort((a, b) => {
        if (a.lastUsedAt !== b.lastUsedAt) {
          if (a.lastUsedAt == null) return 1;
          if (b.lastUsedAt == null) return -1;
          return a.lastUsedAt < b.lastUsedAt ? 1 : -1;
        }
        return a.id - b.id;
      });
  }

  findToken(agent: AgentRecord, id: number): AgentTokenRecord | undefined {
    return agent.tokens.find((t) => t.id === id);
  }

  /**
   * AgentTokens::CreateService. The secret is returned here once and never again; `token` (a fixture value)
   * lets a fixture start with a token already installed in a cluster.
   */
  createToken(
    agent: AgentRecord,
    input: { name: string; description: string | null; creator: UserRecord | null; token?: string },
  ): Result<{ record: AgentTokenRecord; secret: string }> {
    if (this.activeTokens(agent).length >= ACTIVE_TOKENS_LIMIT)
      return { ok: false, errors: 'An agent can have only two active tokens at a time' };
    const errors: string[] = [];
    if (input.name.trim() === '') errors.push("Name can't be blank");
    if (input.name.length > 255) errors.push('Name is too long (maximum is 255 characters)');
    if ((input.description ?? '').length > 1024)
      errors.push('Description is too long (maximum is 1024 characters)');
    if (errors.length > 0) return { ok: false, errors };
    const secret = input.token ?? this.newSecret();
    if (this.tokensBySecret.has(secret)) throw new UserError('duplicate agent token value');
    const record: AgentTokenRecord = {
      id: this.nextTokenId++,
      agent,
      name: input.name,
      description: input.description,
      status: 'active',
      createdAt: this.clock().toISOString(),
      createdByUserId: input.creator?.id ?? null,
      lastUsedAt: null,
    };
    agent.tokens.push(record);
    this.tokensBySecret.set(secret, record);
    return { ok: true, value: { record, secret } };
  }

  /** AgentTokens::RevokeService: revoking a revoked token is a success too. */
  revoke(token: AgentTokenRecord): void {
    token.status = 'revoked';
  }

  /**
   * The simulated agentk connected to KAS with `secret`: the token's `last_used_at` moves to `at`.
   * Unknown and revoked tokens are refused (null), as KAS refuses them.
   */
  connect(secret: string, at: Date = this.clock()): { agentId: number; tokenId: number } | null {
    const token = this.tokensBySecret.get(secret);
    if (!token || token.status !== 'active' || !this.byId.has(token.agent.id)) return null;
    token.lastUsedAt = at.toISOString();
    return { agentId: token.agent.id, tokenId: token.id };
  }

  /** Every token value this store made or was given, for redacting the request log. */
  secrets(): IterableIterator<string> {
    return this.tokensBySecret.keys();
  }

  /** `Devise.friendly_token(50)`-like: 50 characters of the url-safe base64 alphabet. */
  private newSecret(): string {
    const n = ++this.generated;
    const bytes = createHash('sha512').update(`${this.seed}:${n}`).digest();
    return AGENT_TOKEN_PREFIX + bytes.toString('base64url').slice(0, 50);
  }
}

/** Gitlab::Slug::Environment */
export function environmentSlug(name: string): string {
  let slug = name.toLowerCase().replace(/[^a-z0-9]/g, '-');
  if (!/^[a-z]/.test(slug)) slug = `env-${slug}`;
  slug = slug.replace(/-+/g, '-');
  if (slug.length > 24 || slug !== name) {
    slug = slug.slice(0, 17);
    if (!slug.endsWith('-')) slug += '-';
    const digest = BigInt(`0x${createHash('sha256').update(name).digest('hex')}`);
    return slug + digest.toString(36).slice(-6);
  }
  return slug.replace(/-$/, '');
}

/** Environment#guess_tier, used when no tier is given. */
export function guessTier(name: string): EnvironmentTier {
  if (/(dev|review|trunk)/i.test(name)) return 'development';
  if (/(test|tst|int|ac(ce|)pt|qa|qc|control|quality)/i.test(name)) return 'testing';
  if (/(st(a|)g|mod(e|)l|pre|demo|non)/i.test(name)) return 'staging';
  if (/(pr(o|)d|live)/i.test(name)) return 'production';
  return 'other';
}

const K8S_NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const K8S_NAMESPACE_MESSAGE =
  "can contain only lowercase letters, digits, and '-'. Must start with a letter, and cannot end with '-'";

export interface EnvironmentChanges {
  /** undefined: unchanged; null: unlink */
  clusterAgent?: AgentRecord | null;
  kubernetesNamespace?: string | null;
  fluxResourcePath?: string | null;
  tier?: EnvironmentTier;
}

export class EnvironmentStore {
  private readonly byProject = new Map<number, EnvironmentRecord[]>();
  private nextId = 1;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** ascending id, GitLab's default order */
  forProject(project: ProjectRecord): readonly EnvironmentRecord[] {
    return this.byProject.get(project.id) ?? [];
  }

  find(project: ProjectRecord, id: number): EnvironmentRecord | undefined {
    return this.forProject(project).find((e) => e.id === id);
  }

  add(project: ProjectRecord, name: string, tier?: EnvironmentTier): EnvironmentRecord {
    const list = this.byProject.get(project.id) ?? [];
    if (list.some((e) => e.name === name))
      throw new UserError(
        `duplicate environment "${name}" in project "${project.pathWithNamespace}"`,
      );
    const now = this.clock().toISOString();
    const env: EnvironmentRecord = {
      id: this.nextId++,
      project,
      name,
      slug: environmentSlug(name),
      tier: tier ?? guessTier(name),
      createdAt: now,
      updatedAt: now,
      clusterAgent: null,
      kubernetesNamespace: null,
      fluxResourcePath: null,
    };
    list.push(env);
    this.byProject.set(project.id, list);
    return env;
  }

  /**
   * Environment validations, then the update; returns the model errors (empty when saved). Like Rails, the
   * namespace and flux path rules only run when one of the fields they depend on changes.
   */
  update(env: EnvironmentRecord, changes: EnvironmentChanges): Record<string, string[]> {
    const next = {
      clusterAgent: changes.clusterAgent === undefined ? env.clusterAgent : changes.clusterAgent,
      kubernetesNamespace:
        changes.kubernetesNamespace === undefined
          ? env.kubernetesNamespace
          : changes.kubernetesNamespace,
      fluxResourcePath:
        changes.fluxResourcePath === undefined ? env.fluxResourcePath : changes.fluxResourcePath,
    };
    const agentChanged = next.clusterAgent !== env.clusterAgent;
    const namespaceChanged = next.kubernetesNamespace !== env.kubernetesNamespace;
    const fluxChanged = next.fluxResourcePath !== env.fluxResourcePath;
    const errors: Record<string, string[]> = {};
    const add = (field: string, message: string) => (errors[field] ??= []).push(message);
    const ns = next.kubernetesNamespace;
    if ((agentChanged || namespaceChanged) && ns != null) {
      if (ns.length < 1) add('kubernetes_namespace', 'is too short (minimum is 1 character)');
      if (ns.length > 63) add('kubernetes_namespace', 'is too long (maximum is 63 characters)');
      if (!K8S_NAMESPACE.test(ns)) add('kubernetes_namespace', K8S_NAMESPACE_MESSAGE);
      if (!next.clusterAgent) add('kubernetes_namespace', 'cannot be set without a cluster agent');
    }
    const flux = next.fluxResourcePath;
    if ((namespaceChanged || fluxChanged) && flux != null) {
      if (flux.length > 255) add('flux_resource_path', 'is too long (maximum is 255 characters)');
      if (!ns) add('flux_resource_path', 'cannot be set without a kubernetes namespace');
    }
    if (Object.keys(errors).length > 0) return errors;
    env.clusterAgent = next.clusterAgent;
    env.kubernetesNamespace = next.kubernetesNamespace;
    env.fluxResourcePath = next.fluxResourcePath;
    if (changes.tier) env.tier = changes.tier;
    env.updatedAt = this.clock().toISOString();
    return {};
  }

  unlinkAgent(agent: AgentRecord): void {
    for (const env of this.forProject(agent.project)) {
      if (env.clusterAgent === agent) env.clusterAgent = null;
    }
  }
}

/** Fixture `agents` and `environments`: a partly migrated instance to start from. */
export function addFixtureAgents(
  state: RecordLookup & { agents: AgentStore; environments: EnvironmentStore },
  fixture: GitLabFixture,
): void {
  const projectOf = (path: string, what: string): ProjectRecord => {
    const project = state.projectsByPath.get(path.toLowerCase());
    if (!project) throw new UserError(`${what} names project "${path}", which is not a project`);
    return project;
  };
  (fixture.agents ?? []).forEach((a, i) => {
    const what = `agent #${i + 1} ("${a.name}")`;
    const creator =
      a.created_by == null ? null : state.usersByUsername.get(a.created_by.toLowerCase());
    if (creator === undefined)
      throw new UserError(`${what} was created_by unknown user "${a.created_by}"`);
    const registered = state.agents.register(projectOf(a.project, what), a.name, creator);
    if (!registered.ok) throw new UserError(`${what}: ${[registered.errors].flat().join(', ')}`);
    for (const t of a.tokens ?? []) {
      if (t.token != null && !t.token.startsWith(AGENT_TOKEN_PREFIX))
        throw new UserError(`${what}: token "${t.name}" must start with "${AGENT_TOKEN_PREFIX}"`);
      // Revoked tokens do not count against the limit, so they are revoked as soon as they exist.
      const made = state.agents.createToken(registered.value, {
        name: t.name,
        description: t.description ?? null,
        creator,
        ...(t.token == null ? {} : { token: t.token }),
      });
      if (!made.ok)
        throw new UserError(`${what}: token "${t.name}": ${[made.errors].flat().join(', ')}`);
      made.value.record.lastUsedAt = t.last_used_at ?? null;
      if (t.status === 'revoked') state.agents.revoke(made.value.record);
    }
  });
  (fixture.environments ?? []).forEach((e, i) => {
    const what = `environment #${i + 1} ("${e.name}")`;
    const project = projectOf(e.project, what);
    const env = state.environments.add(project, e.name, e.tier);
    let agent: AgentRecord | null = null;
    if (e.cluster_agent != null) {
      agent = state.agents.forProject(project).find((a) => a.name === e.cluster_agent) ?? null;
      if (!agent)
        throw new UserError(
          `${what}: no agent "${e.cluster_agent}" is registered in "${e.project}"`,
        );
    }
    const errors = state.environments.update(env, {
      clusterAgent: agent,
      kubernetesNamespace: e.kubernetes_namespace ?? null,
    });
    const messages = Object.entries(errors).flatMap(([k, m]) => m.map((x) => `${k} ${x}`));
    if (messages.length > 0) throw new UserError(`${what}: ${messages.join(', ')}`);
  });
}
