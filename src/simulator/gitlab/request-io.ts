// Request plumbing for the server: reading bodies and making request-log entries safe to keep
// (the log is inspected by tests and benchmark reports, so it must never hold a token).

import type { IncomingMessage } from 'node:http';

export const REDACTED = '[REDACTED]';

export function recordQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of query) out[k] = k === 'private_token' ? REDACTED : v;
  return out;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** JSON or form bodies as a value; undefined when there is no body (or it is not parseable). */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Replace any fixture token value inside a body with a marker; the request log must never hold secrets. */
export function redactTokens(value: unknown, secrets: Iterable<string>): unknown {
  const list = [...secrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string')
      return list.reduce(
        (s, secret) => (s.includes(secret) ? s.split(secret).join(REDACTED) : s),
        v,
      );
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}
