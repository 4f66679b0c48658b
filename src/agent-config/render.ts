// Renders a planned agent's config.yaml (and passes its environment template through) with the
// `yaml` Document API: a header comment naming the certificate clusters it replaces, keys in a
// stable order, a trailing newline. Pure: data in, text out.
import { posix } from 'node:path';
import { Document, parseDocument, type ToStringOptions } from 'yaml';
import { UserError } from '../errors.js';
import type { AccessEntry, AgentConfig, PlannedAgent, PlannedCluster } from '../plan/types.js';

/** How migrate-clusters writes YAML: no line folding, `[a, b]` without padding. */
export const YAML_OUTPUT: ToStringOptions = { lineWidth: 0, flowCollectionPadding: false };

const ENTRY_KEYS = [
  'id',
  'default_namespace',
  'access_as',
  'environments',
  'protected_branches_only',
  'resource_management',
] as const;

/** A copy of `value` with `order` first (in that order), then any other keys as they came. */
function ordered<T extends object>(value: T, order: readonly string[]): T {
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const key of [...order, ...Object.keys(source).filter((k) => !order.includes(k))])
    if (source[key] !== undefined) result[key] = source[key];
  return result as T;
}

export function orderedEntry<T extends Partial<AccessEntry>>(entry: T): T {
  return ordered(entry, ENTRY_KEYS);
}

/** ci_access (projects, groups, instance) before user_access (access_as, projects, groups). */
export function orderedConfig(config: AgentConfig): AgentConfig {
  const result = ordered(config, ['ci_access', 'user_access']);
  if (config.ci_access) {
    const ci = ordered(config.ci_access, ['projects', 'groups', 'instance']);
    if (ci.projects) ci.projects = ci.projects.map(orderedEntry);
    if (ci.groups) ci.groups = ci.groups.map(orderedEntry);
    result.ci_access = ci;
  }
  if (config.user_access) {
    const ua = ordered(config.user_access, ['access_as', 'projects', 'groups']);
    if (ua.projects) ua.projects = ua.projects.map(orderedEntry);
    if (ua.groups) ua.groups = ua.groups.map(orderedEntry);
    result.user_access = ua;
  }
  return result;
}

/** Cluster names come from GitLab: keep them on one comment line. */
const oneLine = (text: string) => text.replace(/\p{Cc}+/gu, ' ').trim();

function describeCluster(id: number, clusters: PlannedCluster[]): string {
  const cluster = clusters.find((c) => c.id === id);
  if (!cluster) return `cluster ${id}`;
  const owner = cluster.level === 'instance' ? 'instance' : `${cluster.level} ${cluster.owner}`;
  return `cluster ${id} "${oneLine(cluster.name)}": ${owner}, environment scope ${oneLine(cluster.environmentScope)}`;
}

/** The comment at the top of a new config.yaml: who manages it and what it replaces. */
export function configHeader(agent: PlannedAgent, clusters: PlannedCluster[]): string {
  return [
    `Agent ${agent.ref}, managed by migrate-clusters.`,
    'It replaces these certificate-based clusters:',
    ...agent.clusterIds.map((id) => `  - ${describeCluster(id, clusters)}`),
    'Your own keys and entries are kept: migrate-clusters only adds to this file.',
  ]
    .map((line) => ` ${line}`)
    .join('\n');
}

/** YAML text of a config object, keys in the stable order, with an optional header comment. */
export function renderConfigText(config: AgentConfig, header: string | null): string {
  const doc = new Document(orderedConfig(config));
  if (header) doc.commentBefore = header;
  return doc.toString(YAML_OUTPUT);
}

/** The agent's config.yaml as a new file. */
export function renderAgentConfig(agent: PlannedAgent, clusters: PlannedCluster[]): string {
  return renderConfigText(agent.config, configHeader(agent, clusters));
}

/** `.gitlab/agents/<name>/environment_templates/default.yaml`, next to config.yaml. */
export function environmentTemplatePath(configPath: string): string {
  return posix.join(posix.dirname(configPath), 'environment_templates', 'default.yaml');
}

/**
 * The planned environment template, as is: it is already YAML. A plan file can be edited by
 * hand, so check it parses before it reaches the repository (GitLab would fail every deployment).
 */
export function renderEnvironmentTemplate(agent: PlannedAgent): string | null {
  const template = agent.environmentTemplate;
  if (template == null) return null;
  const doc = parseDocument(template);
  const problem = doc.errors[0];
  if (problem || typeof doc.toJS() !== 'object' || doc.toJS() == null) {
    throw new UserError(
      `The environment template of agent ${agent.ref} in the plan is not a YAML mapping${problem ? `: ${oneLine(problem.message)}` : ''}.`,
      { hint: 'Run migrate-clusters plan again to regenerate the plan file.' },
    );
  }
  return template.endsWith('\n') ? template : `${template}\n`;
}
