// Admission for the simulator: the kubernetes-models schema check plus the few semantic rules of
// the real API server that an installer runs into (name formats, a Deployment selector that must
// match its pod labels, fields that cannot change after creation). Failures are 422 Invalid.

import type { ResourceType } from './catalog.js';
import { deepEqual, isPlainObject } from './field-paths.js';
import { invalid, type StatusCause } from './status.js';

interface SchemaError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: { missingProperty?: string };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `/spec/template/spec/containers/0` -> `spec.template.spec.containers[0]` */
function fieldOfPointer(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function valueAt(obj: unknown, pointer: string): unknown {
  let node = obj;
  for (const p of pointer.split('/').slice(1)) {
    if (node == null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function schemaCauses(type: ResourceType, obj: unknown): StatusCause[] {
  try {
    type.validate(obj);
    return [];
  } catch (error) {
    const errors = (error as { errors?: SchemaError[] }).errors;
    if (!Array.isArray(errors)) return [{ reason: 'FieldValueInvalid', message: String(error) }];
    return errors.map((e) => {
      const pointer = e.instancePath ?? '';
      if (e.keyword === 'required' && e.params?.missingProperty) {
        const parent = fieldOfPointer(pointer);
        const field = parent ? `${parent}.${e.params.missingProperty}` : e.params.missingProperty;
        return { reason: 'FieldValueRequired', message: 'Required value', field };
      }
      // Secret values never travel back in messages (the real server names keys, not values).
      const secretValue = type.kind === 'Secret' && /^\/(data|stringData)\//.test(pointer);
      const shown = secretValue ? '"<hidden>"' : JSON.stringify(valueAt(obj, pointer));
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${shown}: ${e.message ?? 'invalid'}`,
        field: fieldOfPointer(pointer),
      };
    });
  }
}

function nameCauses(type: ResourceType, name: string): StatusCause[] {
  const field = 'metadata.name';
  if (type.group === 'rbac.authorization.k8s.io') {
    // RBAC names only have to be usable as a path segment ("ns:name-cluster-admin" is fine).
    return name === '.' || name === '..' || /[/%]/.test(name)
      ? [
          {
            reason: 'FieldValueInvalid',
            field,
            message: `Invalid value: "${name}": may not contain '/' or '%'`,
          },
        ]
      : [];
  }
  const label = type.kind === 'Namespace' || type.kind === 'Service';
  const ok = label
    ? DNS_LABEL.test(name) && name.length <= 63
    : DNS_SUBDOMAIN.test(name) && name.length <= 253;
  if (ok) return [];
  const what = label ? 'a lowercase RFC 1123 label' : 'a lowercase RFC 1123 subdomain';
  return [
    {
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: "${name}": ${what} must consist of lower case alphanumeric characters, '-'${label ? '' : " or '.'"}, and must start and end with an alphanumeric character`,
    },
  ];
}

function deploymentCauses(obj: Record<string, unknown>): StatusCause[] {
  const spec = obj['spec'];
  if (!isPlainObject(spec)) return [];
  const causes: StatusCause[] = [];
  const replicas = spec['replicas'];
  if (typeof replicas === 'number' && replicas < 0)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.replicas',
      message: `Invalid value: ${replicas}: must be greater than or equal to 0`,
    });
  const matchLabels = isPlainObject(spec['selector']) ? spec['selector']['matchLabels'] : undefined;
  const template = isPlainObject(spec['template']) ? spec['template'] : {};
  const labels = isPlainObject(template['metadata']) ? template['metadata']['labels'] : undefined;
  if (!isPlainObject(matchLabels)) return causes;
  const pod = isPlainObject(labels) ? labels : {};
  if (!Object.entries(matchLabels).every(([k, v]) => pod[k] === v))
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: `Invalid value: ${JSON.stringify(pod)}: \`selector\` does not match template \`labels\``,
    });
  return causes;
}

/** Throws a 422 KubeApiError when the object would be rejected. */
export function validateObject(
  type: ResourceType,
  obj: Record<string, unknown>,
  name: string,
): void {
  const causes = [...nameCauses(type, name), ...schemaCauses(type, obj)];
  if (type.kind === 'Deployment') causes.push(...deploymentCauses(obj));
  if (causes.length > 0) throw invalid(type.kind, type.group, name, causes);
}

/** Fields the real API server refuses to change on update. */
export function validateUpdate(
  type: ResourceType,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  name: string,
): void {
  const immutable = (
    field: string,
    a: unknown,
    b: unknown,
    message = 'field is immutable',
  ): StatusCause[] =>
    deepEqual(a, b)
      ? []
      : [
          {
            reason: 'FieldValueInvalid',
            field,
            message: `Invalid value: ${JSON.stringify(b)}: ${message}`,
          },
        ];
  const spec = (o: Record<string, unknown>) => (isPlainObject(o['spec']) ? o['spec'] : {});
  let causes: StatusCause[] = [];
  if (type.kind === 'Deployment')
    causes = immutable('spec.selector', spec(before)['selector'], spec(after)['selector']);
  if (type.kind === 'ClusterRoleBinding' || type.kind === 'RoleBinding')
    causes = immutable('roleRef', before['roleRef'], after['roleRef'], 'cannot change roleRef');
  if (type.kind === 'Secret') causes = immutable('type', before['type'], after['type']);
  if (causes.length > 0) throw invalid(type.kind, type.group, name, causes);
}
