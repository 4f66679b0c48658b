// Grape's merged `params` for write endpoints: the query string and the body (JSON or form) read as one,
// the body winning, with Grape's type coercion and error texts. Nested hashes arrive either as JSON
// objects (`{"filter":{"environment_scope":"x"}}`, what gitbeaker sends) or as bracketed keys
// (`filter[environment_scope]=x` in a query or form body); both read the same here.

import { ApiError, paramInvalid, paramMissing, paramNotInValues } from './http-kit.js';

const INTEGER = /^[+-]?\d+$/;
const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

type Source = Record<string, unknown>;

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
    if (body && typeof body === 'object' && !Array.isArray(body)) sources.push(body as Source);
    sources.push(q);
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
    if (this.raw(name) !== undefined) return true;
    const open = `${name}[`;
    return this.sources.some((s) => Object.keys(s).some((k) => k.startsWith(open)));
  }

  /** `type: Hash`: a JSON object, or any `name[...]` keys; undefined when neither is there. */
  hash(name: string): RequestParams | undefined {
    const nested: Source[] = [];
    for (const source of this.sources) {
      const direct = source[name];
      if (direct && typeof direct === 'object' && !Array.isArray(direct)) {
        nested.push(direct as Source);
        continue;
      }
      const flat: Source = {};
      let found = false;
      const open = `${name}[`;
      for (const [k, v] of Object.entries(source)) {
        if (k.startsWith(open) && k.endsWith(']')) {
          flat[k.slice(open.length, -1)] = v;
          found = true;
        }
      }
      if (found) nested.push(flat);
    }
    if (nested.length === 0) {
      if (this.raw(name) != null) throw paramInvalid(this.label(name));
      return undefined;
    }
    return new RequestParams(nested, this.label(name));
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
