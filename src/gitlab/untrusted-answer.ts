// An answer that cannot have come from GitLab's REST API, or that GitLab would never give: an HTML
// page where JSON belongs (a login proxy, a captive portal, a wrong --gitlab-url), a body far larger
// than any list page, JSON of the wrong shape, pagination that loops. Reading such an answer as data
// loses and invents clusters, so it stops the run with one line that names the request and what came
// back. It is never retried: a login page answers the same way every time.
//
// Messages name the method and path, never the body: a wrong-shaped variables list may carry
// secret values, so only the shape (JSON pointers and types) is described.
import { UserError } from '../errors.js';

const CHECK_URL =
  'Is --gitlab-url the GitLab address, or is a proxy in front of it changing answers?';

export class UntrustedAnswerError extends UserError {
  constructor(
    readonly method: string,
    /** the URL path as sent, /api/v4 included, without the query */
    readonly path: string,
    /** what came back, as the rest of the sentence "GitLab answered GET /x …" */
    readonly problem: string,
    hint: string = CHECK_URL,
  ) {
    super(`GitLab answered ${method} ${path} ${problem}.`, { hint });
    this.name = 'UntrustedAnswerError';
  }
}

/** `text/html; charset=utf-8` -> `text/html`; '' when absent. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * GitLab's API answers JSON only (lib/api/api.rb: `format :json`, `content_type :json,
 * 'application/json'`), its errors included; a charset parameter may follow. Anything else is not
 * GitLab's API speaking.
 */
export function isJsonType(contentType: string | null): boolean {
  return mediaType(contentType) === 'application/json';
}

/** "an HTML page (text/html)", "a text/plain body", "a body without a content type". */
export function describeType(contentType: string | null): string {
  const type = mediaType(contentType);
  if (type === 'text/html' || type === 'application/xhtml+xml') return `an HTML page (${type})`;
  if (type === '') return 'a body without a content type';
  return `a ${type} body`;
}

export const NOT_JSON_HINT =
  'Is --gitlab-url the GitLab address, or is a login proxy in front of it?';
