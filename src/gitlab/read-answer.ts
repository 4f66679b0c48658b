// Reading a GitLab answer without trusting it: the content type must be JSON, the body is counted
// as it streams and abandoned past a cap (a 60 MB "page" is never held in memory whole), and it
// must parse. The transport calls these for every answer; answer-shapes.ts then checks the shape.
import {
  NOT_JSON_HINT,
  UntrustedAnswerError,
  describeType,
  isJsonType,
  mediaType,
} from './untrusted-answer.js';

/**
 * No answer migrate-clusters reads comes near this: a page of 100 clusters with their CA
 * certificates is a few hundred kB, a repository file an agent config. Anything larger is not
 * the page we asked for.
 */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Error bodies carry a one-line message; more than this is someone's error page. */
export const MAX_ERROR_BODY_BYTES = 1024 * 1024;

const megabytes = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/**
 * The body, counted chunk by chunk as it arrives; null as soon as it passes `maxBytes` (the rest is
 * never read, and the connection is dropped). A Content-Length above the cap fails before reading.
 * Counting happens after fetch's decompression, so a small gzip bomb counts at its real size.
 */
export async function readCapped(response: Response, maxBytes: number): Promise<Buffer | null> {
  const declared = Number(response.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return null;
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** The parsed JSON body of a successful answer, or an UntrustedAnswerError saying what came instead. */
export async function readJsonAnswer(
  method: string,
  path: string,
  response: Response,
  maxBytes: number,
): Promise<unknown> {
  const type = response.headers.get('content-type');
  if (!isJsonType(type)) {
    await response.body?.cancel();
    throw new UntrustedAnswerError(
      method,
      path,
      `with ${describeType(type)}, not JSON`,
      NOT_JSON_HINT,
    );
  }
  const bytes = await readCapped(response, maxBytes);
  if (bytes == null)
    throw new UntrustedAnswerError(
      method,
      path,
      `with more than ${megabytes(maxBytes)}, far more than any GitLab answer it reads; it stopped reading there`,
    );
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new UntrustedAnswerError(
      method,
      path,
      `with a body that is not valid JSON although it is labelled ${mediaType(type)}`,
    );
  }
}

export interface ErrorBody {
  /** GitLab's `message` or `error` field, or a short description of what came instead */
  description: string;
  /** the body as read (capped), for gitbeaker-shaped errors */
  text: string;
}

/**
 * What a failed answer says. GitLab's errors are JSON (`{"message": …}` or Grape's `{"error": …}`);
 * Rack::Attack's 429 and Workhorse's errors are short plain text, and proxies send HTML pages. An
 * HTML page is summarised rather than quoted, so no error line carries a whole page.
 */
export async function readErrorBody(response: Response): Promise<ErrorBody> {
  const type = response.headers.get('content-type');
  const bytes = await readCapped(response, MAX_ERROR_BODY_BYTES);
  if (bytes == null)
    return {
      description: `${describeType(type)} over ${megabytes(MAX_ERROR_BODY_BYTES)}`,
      text: '',
    };
  const text = bytes.toString('utf8');
  if (isJsonType(type)) {
    try {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown } | null;
      const field = parsed?.error ?? parsed?.message ?? '';
      return { description: typeof field === 'string' ? field : JSON.stringify(field), text };
    } catch {
      return { description: 'a body that is not valid JSON', text };
    }
  }
  if (mediaType(type) === 'text/html') return { description: describeType(type), text };
  const firstLine = text.trim().split('\n')[0] ?? '';
  return { description: firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine, text };
}
