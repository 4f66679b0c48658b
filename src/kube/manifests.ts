// The agentk objects for one agent, rendered from templates/agentk/*.yaml. They mirror the official
// gitlab-agent Helm chart with the release named after the agent (same names, labels and selector,
// plus Helm's ownership metadata), so `helm upgrade --install` can adopt them later.
import type { KubernetesObject } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { InternalError, UserError } from '../errors.js';
import { agentkObjectNames } from './agentk-names.js';
import { packageRoot } from '../paths.js';

export { agentkObjectNames, agentNamespace, type AgentkObjectNames } from './agentk-names.js';
import { registerSecret } from '../redact.js';

/** On the token Secret and the agentk pod template: the GitLab id of the installed agent token. */
export const TOKEN_ID_ANNOTATION = 'migrate-clusters.gitlab.com/agent-token-id';

export const AGENTK_IMAGE_REPOSITORY =
  'registry.gitlab.com/gitlab-org/cluster-integration/gitlab-agent/agentk';

export type RbacChoice = { kind: 'cluster-admin' } | { kind: 'existing-role'; name: string };

export interface AgentkManifestInput {
  agentName: string;
  namespace: string;
  kasAddress: string;
  kasVersion: string;
  rbac: RbacChoice;
  /** the agent token; without it no Secret is rendered (GitOps users create their own) */
  token?: { value: string; id: number };
  /**
   * Without `token`: the id of the token agentk already has, so the pod template keeps its
   * annotation (re-applying without it would roll the pods for nothing).
   */
  installedTokenId?: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `17.11.2`, `v17.11.2`, `17.11.2-ee` or `17.11.0+<git sha>` → the agentk image tag `v17.11.2`. */
export function agentkImageTag(kasVersion: string): string {
  const match = /^v?(\d+\.\d+\.\d+(?:-rc\d+)?)(?:-(?:ee|ce|pre))?(?:\+[0-9A-Za-z.-]+)?$/.exec(
    kasVersion.trim(),
  );
  if (!match) {
    throw new UserError(
      `Cannot tell which agentk to install: GitLab reports the KAS version as "${kasVersion}".`,
      { hint: 'Expected a version like 17.11.2; check GET /api/v4/metadata (kas.version).' },
    );
  }
  return `v${match[1]}`;
}

export function agentkImage(kasVersion: string): string {
  return `${AGENTK_IMAGE_REPOSITORY}:${agentkImageTag(kasVersion)}`;
}

/** `--rbac cluster-admin` or `--rbac existing-role:NAME` (a ClusterRole that already exists). */
export function parseRbacFlag(value: string): RbacChoice {
  if (value === 'cluster-admin') return { kind: 'cluster-admin' };
  const prefix = 'existing-role:';
  if (value.startsWith(prefix)) {
    const name = value.slice(prefix.length);
    // A ClusterRole name is a path segment: anything but "/", "%", "." and ".." (system:… is fine).
    if (name !== '' && name !== '.' && name !== '..' && !/[/%\s]/.test(name))
      return { kind: 'existing-role', name };
  }
  throw new UserError(`--rbac expects cluster-admin or existing-role:NAME, got "${value}".`, {
    hint: 'For example --rbac existing-role:gitlab-agent-deployer binds that ClusterRole instead of cluster-admin.',
  });
}

type Value = string | Record<string, string> | undefined;

const TEMPLATE_NAMES = [
  'namespace',
  'service-account',
  'secret',
  'cluster-role-binding',
  'deployment',
  'pod-disruption-budget',
] as const;
type TemplateName = (typeof TEMPLATE_NAMES)[number];

const templates = new Map<TemplateName, unknown>();

function template(name: TemplateName): unknown {
  let parsed = templates.get(name);
  if (parsed === undefined) {
    const file = join(packageRoot, 'templates', 'agentk', `${name}.yaml`);
    parsed = YAML.parse(readFileSync(file, 'utf8')) as unknown;
    templates.set(name, parsed);
  }
  return parsed;
}

/**
 * Fills `${name}` placeholders in a parsed template. Values are inserted as data, never as YAML
 * text, so nothing in an address or name can change the document's structure. A placeholder that
 * is a whole value may stand for a mapping; one whose value is undefined drops its key.
 */
function fill(node: unknown, values: Record<string, Value>, where: string): unknown {
  const lookup = (key: string): Value => {
    if (!(key in values)) throw new InternalError(`${where}: unknown placeholder \${${key}}`);
    return values[key];
  };
  if (typeof node === 'string') {
    const whole = /^\$\{(\w+)\}$/.exec(node);
    // A copy, so that no two places in the output share (or alias) one mapping.
    if (whole) return structuredClone(lookup(whole[1]!));
    return node.replace(/\$\{(\w+)\}/g, (_, key: string) => {
      const value = lookup(key);
      if (typeof value !== 'string')
        throw new InternalError(`${where}: \${${key}} is not text and cannot be part of one`);
      return value;
    });
  }
  if (Array.isArray(node)) return node.map((item) => fill(item, values, where));
  if (node != null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      const filled = fill(child, values, where);
      if (filled !== undefined) out[key] = filled;
    }
    return out;
  }
  return node;
}

function checkInput(input: AgentkManifestInput): void {
  const problems: string[] = [];
  if (input.agentName.length > 63 || !DNS_LABEL.test(input.agentName))
    problems.push(`agent name "${input.agentName}" is not an RFC 1123 label`);
  if (input.namespace.length > 63 || !DNS_LABEL.test(input.namespace))
    problems.push(`namespace "${input.namespace}" is not a valid namespace name`);
  if (input.token && (input.token.value === '' || !Number.isInteger(input.token.id)))
    problems.push('the agent token is empty or has no id');
  if (problems.length > 0) {
    throw new UserError(`Cannot render agentk objects: ${problems.join('; ')}.`, {
      hint: 'Names must be at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit.',
    });
  }
}

/** Namespace, ServiceAccount, token Secret (only with a token), ClusterRoleBinding, Deployment, PodDisruptionBudget. */
export function renderAgentkManifests(input: AgentkManifestInput): KubernetesObject[] {
  checkInput(input);
  const names = agentkObjectNames(input.agentName);
  const tag = agentkImageTag(input.kasVersion);
  const selectorLabels = {
    'app.kubernetes.io/name': 'gitlab-agent',
    'app.kubernetes.io/instance': names.release,
  };
  // Helm adopts an existing object into a release only when it carries exactly this label and
  // these two annotations (Helm 3.2+); otherwise `helm install` stops with "exists and cannot be
  // imported into the current release".
  const helmAnnotations = {
    'meta.helm.sh/release-name': names.release,
    'meta.helm.sh/release-namespace': input.namespace,
  };
  const installedId = input.token?.id ?? input.installedTokenId;
  const tokenId: Record<string, string> =
    installedId != null ? { [TOKEN_ID_ANNOTATION]: String(installedId) } : {};
  const tokenBase64 = input.token ? Buffer.from(input.token.value, 'utf8').toString('base64') : '';
  if (input.token) {
    registerSecret(input.token.value);
    registerSecret(tokenBase64);
  }
  const values: Record<string, Value> = {
    namespace: input.namespace,
    fullname: names.fullname,
    deploymentName: names.deployment,
    secretName: names.secret,
    role: input.rbac.kind === 'cluster-admin' ? 'cluster-admin' : input.rbac.name,
    image: `${AGENTK_IMAGE_REPOSITORY}:${tag}`,
    kasAddress: input.kasAddress,
    tokenBase64,
    selectorLabels,
    helmLabels: {
      ...selectorLabels,
      'app.kubernetes.io/version': tag,
      'app.kubernetes.io/managed-by': 'Helm',
    },
    // Namespace and PodDisruptionBudget are not chart objects: Helm must not claim them.
    ownLabels: { ...selectorLabels, 'app.kubernetes.io/managed-by': 'migrate-clusters' },
    helmAnnotations,
    secretAnnotations: { ...helmAnnotations, ...tokenId },
    // The chart's default pod annotations (observability is on), plus the token id.
    podAnnotations: {
      'prometheus.io/scrape': 'true',
      'prometheus.io/path': '/metrics',
      'prometheus.io/port': '8080',
      ...tokenId,
    },
  };
  return TEMPLATE_NAMES.filter((name) => name !== 'secret' || input.token !== undefined).map(
    (name) => fill(template(name), values, `templates/agentk/${name}.yaml`) as KubernetesObject,
  );
}

// Apply order: the namespace first, the token before the Deployment that mounts it.
const KIND_ORDER = [
  'Namespace',
  'ServiceAccount',
  'Secret',
  'ClusterRoleBinding',
  'Deployment',
  'PodDisruptionBudget',
];

const rank = (object: KubernetesObject) => {
  const at = KIND_ORDER.indexOf(object.kind ?? '');
  return at === -1 ? KIND_ORDER.length : at;
};

/** Multi-document YAML in apply order; the same objects always give the same text. */
export function manifestsToYaml(objects: KubernetesObject[]): string {
  const name = (object: KubernetesObject) => object.metadata?.name ?? '';
  return [...objects]
    .sort((a, b) => rank(a) - rank(b) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0))
    .map((object) =>
      YAML.stringify(object, { lineWidth: 0, aliasDuplicateObjects: false, singleQuote: true }),
    )
    .join('---\n');
}
