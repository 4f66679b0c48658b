// Write-endpoint parameters for the repository, merge-request and project-creation routes: Grape reads
// the query string and the body (JSON, or a form with Rack's bracketed keys such as
// `actions[0][file_path]`) as one hash, the body winning, and reports every missing required parameter
// in one message ("branch is missing, commit_message is missing").

import { ApiError, paramInvalid } from './http-kit.js';

export type Params = Record<string, unknown>;

/** `a[0][b]` -> ['a', '0', 'b']; null for keys without brackets. */
function bracketPath(key: string): string[] | null {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return null;
  const rest = key.slice(open + 1, -1).split('][');
  return [key.slice(0, open), ...rest];
}

/**
 * Rack nests bracketed form keys; an empty index (`actions[][action]`) means "next element", which the
 * simulator's body reader cannot honour for repeated keys (it keeps the last value), so it reads as 0.
 */
function expand(flat: Params): Params {
  const out: Params = {};
  for (const [key, value] of Object.entries(flat)) {
    const path = bracketPath(key);
    if (!path) {
      out[key] = value;
      continue;
    }
    let node: Record<string, unknown> | unknown[] = out;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(path[i + 1] as string);
      const slot = Array.isArray(node) ? Number(segment || 0) : segment;
      const container = node as Record<string | number, unknown>;
      if (last) container[slot] = value;
      else {
        if (container[slot] == null || typeof container[slot] !== 'object')
          container[slot] = nextIsIndex ? [] : {};
        node = container[slot] as Record<string, unknown> | unknown[];
      }
    });
  }
  return out;
}

export function bodyParams(query: URLSearchParams, body: unknown): Params {
  const fromQuery: Params = {};
  for (const [k, v] of query) if (k !== 'private_token') fromQuery[k] = v;
  const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? (body as Params) : {};
  return { ...expand(fromQuery), ...expand(fromBody) };
}

/** Grape's `requires`: every absent name in one 400. */
export function requireParams(params: Params, names: readonly string[], prefix = ''): void {
  const missing = names.filter((n) => params[n] == null);
  if (missing.length > 0) {
    const label = (n: string) => (prefix ? `${prefix}[${n}]` : n);
    throw new ApiError(400, { error: missing.map((n) => `${label(n)} is missing`).join(', ') });
  }
}

/** `type: String`: numbers and booleans read as their text. */
export function stringParam(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v == null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw paramInvalid(name);
}

const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

export function booleanParam(params: Params, name: string): boolean | undefined {
  const v = params[name];
  if (v == null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string' && typeof v !== 'number') throw paramInvalid(name);
  const word = String(v).toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw paramInvalid(name);
}

export function integerParam(params: Params, name: string): number | undefined {
  const v = params[name];
  if (v == null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return Number(v.trim());
  throw paramInvalid(name);
}
