// Grape's merged `params` for write endpoints: the query string and the body (JSON or form) read as one,
// the body winning, with Grape's type coercion and error texts. Nested hashes and arrays of hashes arrive
// either as JSON (`{"filter":{"environment_scope":"x"}}`, `{"actions":[{…}]}`, what gitbeaker sends) or
// as Rack's bracketed keys in a query or form body (`filter[environment_scope]=x`,
// `actions[0][file_path]=a`); both read the same here.

import { ApiError, paramInvalid, paramMissing, paramNotInValues } from './http-kit.js';

const INTEGER = /^[+-]?\d+$/;
const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

type Source = Record<string, unknown>;

function isHash(value: unknown): value is Source {
  return value != null && typeof value === 'object' && !Array.isArray(value);
}

/** A key the source itself holds, never one it inherits (`constructor`, `toString`). */
function own(source: Source, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(source, name) ? source[name] : undefined;
}

/** `a[0][b]` -> ['a', '0', 'b']; null for keys without brackets. */
function bracketPath(key: string): string[] | null {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return null;
  return [key.slice(0, open), ...key.slice(open + 1, -1).split('][')];
}

/**
 * Rack's nesting of bracketed keys: a numeric index makes an array, anything else a hash. An empty
 * index (`actions[][action]`) means "next element" to Rack, which a body read as one value per key
 * cannot honour, so it reads as 0. Containers are fresh null-prototype objects (copies where the source
 * already held one), so the request body is never changed and `__proto__` is just another key.
 */
function nest(flat: Source): Source {
  const entries = Object.entries(flat);
  if (!entries.some(([key]) => bracketPath(key))) return flat;
  const made = new Set<object>();
  const fresh = <T extends object>(container: T): T => {
    made.add(container);
    return container;
  };
  const out = fresh(Object.create(null) as Source);
  for (const [key, value] of entries) {
    const path = bracketPath(key) ?? [key];
    let node: Record<string | number, unknown> = out;
    path.forEach((segment, i) => {
      const slot = Array.isArray(node) ? Number(segment || 0) : segment;
      if (i === path.length - 1) {
        node[slot] = value;
        return;
      }
      let next = node[slot];
      if (next == null || typeof next !== 'object')
        next = fresh(/^\d*$/.test(path[i + 1] as string) ? [] : (Object.create(null) as Source));
      else if (!made.has(next))
        next = fresh(
          Array.isArray(next)
            ? [...(next as unknown[])]
            : Object.assign(Object.create(null) as Source, next),
        );
      node[slot] = next;
      node = next as Record<string | number, unknown>;
    });
  }
  return out;
}

export class RequestParams {
  /** `prefix` names the enclosing hash in error texts, e.g. `platform_kubernetes_attributes[api_url]` */
  private constructor(
    private readonly sources: readonly Source[],
    private readonly prefix: string,
  ) {}

  /** Body first: Grape merges the body over the query string. */
  static of(query: URLSearchParams, body: unknown): RequestParams {
    const q: Source = {};
    for (const [k, v] of query) q[k] = v;
    const sources: Source[] = [];
    if (isHash(body)) sources.push(nest(body));
    sources.push(nest(q));
    return new RequestParams(sources, '');
  }

  private label(name: string): string {
    return this.prefix ? `${this.prefix}[${name}]` : name;
  }

  /** The raw value: undefined when absent, null when sent as JSON null. */
  raw(name: string): unknown {
    for (const source of this.sources) {
      if (Object.prototype.hasOwnProperty.call(source, name)) return source[name];
    }
    return undefined;
  }

  /** Sent at all, as a value or as bracketed `name[...]` keys. */
  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /**
   * Grape's `requires` for several names at once: every absent (or null) one in a single 400,
   * "branch is missing, commit_message is missing".
   */
  requires(...names: string[]): void {
    const missing = names.filter((n) => this.raw(n) == null);
    if (missing.length > 0)
      throw new ApiError(400, {
        error: missing.map((n) => `${this.label(n)} is missing`).join(', '),
      });
  }

  /**
   * `type: Hash`: a JSON object or `name[...]` keys; undefined when neither is there. A hash in the
   * body and one in the query string read as one, the body's keys winning.
   */
  hash(name: string): RequestParams | undefined {
    const nested = this.sources.map((s) => own(s, name)).filter(isHash);
    if (nested.length === 0) {
      if (this.raw(name) != null) throw paramInvalid(this.label(name));
      return undefined;
    }
    return new RequestParams(nested, this.label(name));
  }

  /**
   * `type: Array[JSON]`: a JSON array of objects or indexed keys (`actions[0][file_path]`), one
   * RequestParams per element, named `actions[0]` in error texts. Anything but an array, or an element
   * that is not a hash, is invalid.
   */
  list(name: string, required: true): RequestParams[];
  list(name: string, required?: boolean): RequestParams[] | undefined;
  list(name: string, required = false): RequestParams[] | undefined {
    const v = this.raw(name);
    if (v == null) {
      if (required) throw paramMissing(this.label(name));
      return undefined;
    }
    if (!Array.isArray(v)) throw paramInvalid(this.label(name));
    // Array.from visits holes too: `actions[1][…]` without `actions[0][…]` leaves element 0 invalid
    return Array.from(v as unknown[], (item, i) => {
      const label = `${this.label(name)}[${i}]`;
      if (!isHash(item)) throw paramInvalid(label);
      return new RequestParams([item], label);
    });
  }

  /** `type: String`; numbers and booleans are accepted as their text, like Grape's coercion. */
  string(name: string, required = false): string | null | undefined {
    const v = this.raw(name);
    if (v == null) {
      if (required) throw paramMissing(this.label(name));
      return v === undefined ? undefined : null;
    }
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw paramInvalid(this.label(name));
  }

  /** `type: Integer`; null (JSON) stays null, which Grape allows for optional parameters. */
  int(name: string, required = false): number | null | undefined {
    const v = this.raw(name);
    if (v == null) {
      if (required) throw paramMissing(this.label(name));
      return v === undefined ? undefined : null;
    }
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && INTEGER.test(v.trim())) return Number(v.trim());
    throw paramInvalid(this.label(name));
  }

  /** `type: Boolean` (dry-types' params coercion word list); an empty string counts as absent. */
  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v == null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v !== 'string' && typeof v !== 'number') throw paramInvalid(this.label(name));
    const word = String(v).toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw paramInvalid(this.label(name));
  }

  /** `type: String, values: [...]` */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v == null) return undefined;
    if (!(values as readonly string[]).includes(v)) throw paramNotInValues(this.label(name));
    return v as T;
  }
}

/** `render_validation_error!`: 400 with the model's errors keyed by attribute. */
export function validationError(errors: Record<string, string[]>): ApiError {
  return new ApiError(400, { message: errors });
}

/** `bad_request!(reason)`; an Array reason is interpolated Ruby-style (`["a", "b"]`). */
export function badRequest(reason: string | string[]): ApiError {
  const text = Array.isArray(reason)
    ? `[${reason.map((r) => JSON.stringify(r)).join(', ')}]`
    : reason;
  return new ApiError(400, { message: `400 Bad request - ${text}` });
}

/** `conflict!(message)` */
export function conflict(message: string): ApiError {
  return new ApiError(409, { message });
}
