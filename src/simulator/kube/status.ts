// The API server's error bodies: every failure is a `Status` object (kind Status, apiVersion v1)
// with the HTTP code, a machine reason and, where the real server gives them, details and causes.

export interface StatusCause {
  /** the cause's kind (FieldValueInvalid, FieldManagerConflict…): metav1.StatusCause.Type's JSON name */
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  /** set on 429 (and some 5xx) answers; the server also sends it as the Retry-After header */
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown inside the simulator; the server answers it as a Status body. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  toStatus(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** How the server names a resource in messages: `deployments.apps`, or `secrets` for the core group. */
export function qualifiedResource(plural: string, group: string): string {
  return group === '' ? plural : `${plural}.${group}`;
}

export const unauthorized = () => new KubeApiError(401, 'Unauthorized', 'Unauthorized');

export function forbidden(
  user: string,
  verb: string,
  plural: string,
  group: string,
  namespace: string | null,
  name?: string,
) {
  const where = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
  const what = name
    ? `${qualifiedResource(plural, group)} "${name}"`
    : qualifiedResource(plural, group);
  return new KubeApiError(
    403,
    'Forbidden',
    `${what} is forbidden: User "${user}" cannot ${verb} resource "${plural}" in API group "${group}"${where}`,
    { ...(name ? { name } : {}), group, kind: plural },
  );
}

export function notFound(plural: string, group: string, name: string) {
  return new KubeApiError(
    404,
    'NotFound',
    `${qualifiedResource(plural, group)} "${name}" not found`,
    {
      name,
      group,
      kind: plural,
    },
  );
}

export const noSuchResource = () =>
  new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');

export function alreadyExists(plural: string, group: string, name: string) {
  return new KubeApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(plural, group)} "${name}" already exists`,
    { name, group, kind: plural },
  );
}

export function staleResourceVersion(plural: string, group: string, name: string) {
  return new KubeApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: plural },
  );
}

export function invalid(kind: string, group: string, name: string, causes: StatusCause[]) {
  const listed = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const summary = listed.length === 1 ? listed[0]! : `[${listed.join(', ')}]`;
  const qualified = group === '' ? kind : `${kind}.${group}`;
  return new KubeApiError(422, 'Invalid', `${qualified} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes,
  });
}

export const badRequest = (message: string) => new KubeApiError(400, 'BadRequest', message);

export const methodNotAllowed = () =>
  new KubeApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );

export const unsupportedMediaType = (type: string) =>
  new KubeApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got "${type}")`,
  );

export function successStatus(details: StatusDetails): StatusBody {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

/** `apierrors.NewInternalError`: the message wraps the error, which is repeated as the only cause. */
export const internalError = (error: string) =>
  new KubeApiError(500, 'InternalError', `Internal error occurred: ${error}`, {
    causes: [{ message: error }],
  });

/** `apierrors.NewServiceUnavailable` */
export const serviceUnavailable = (message: string) =>
  new KubeApiError(503, 'ServiceUnavailable', message);

/** `apierrors.NewTooManyRequests`: the wait goes into the details and the Retry-After header. */
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new KubeApiError(429, 'TooManyRequests', message, { retryAfterSeconds });
