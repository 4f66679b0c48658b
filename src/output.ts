// Process output. Machine output (stdout) and human logs (stderr) are kept apart so that
// `--json` prints only JSON on stdout. Everything passes through redact().
import { Chalk, type ChalkInstance } from 'chalk';
import { fstatSync, writeSync } from 'node:fs';
import { batches } from './pieces.js';
import { redact } from './redact.js';
import { errnoWords } from './fs-words.js';

export interface Output {
  color: ChalkInstance;
  /** stdout: the command's result */
  result(text: string): void;
  /** stdout, piece by piece (a large plan's JSON), waiting for the reader; pieces end their lines */
  resultPieces(pieces: Iterable<string> | AsyncIterable<string>): Promise<void>;
  /** stderr: notes for the person at the terminal */
  info(text: string): void;
  warn(text: string): void;
  verbose(text: string): void;
  /** stderr is a terminal: progress may redraw a line */
  interactive: boolean;
}

export interface OutputOptions {
  color?: boolean;
  verbose?: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** NO_COLOR (any value) and --no-color win; FORCE_COLOR forces colour on; otherwise only on a TTY. */
export function colorLevel(
  env: NodeJS.ProcessEnv,
  flag: boolean | undefined,
  isTTY: boolean,
): 0 | 1 {
  if (flag === false || (env.NO_COLOR != null && env.NO_COLOR !== '')) return 0;
  if (env.FORCE_COLOR != null && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return 1;
  return isTTY ? 1 : 0;
}

/**
 * The first failure writing to a result stream (stdout), by stream. A failed write does not throw:
 * the stream emits 'error' (with no listener, a crash with a stack trace) or calls back with it,
 * and nothing else would notice, so `plan --format json > file` on a full disk exited 0 with a
 * truncated plan. Each failure is kept here until the end of the run (finishResults).
 */
const resultFailures = new WeakMap<NodeJS.WritableStream, NodeJS.ErrnoException | null>();

/** Starts noticing failed writes to `stream`; idempotent. */
export function watchResults(stream: NodeJS.WritableStream = process.stdout): void {
  if (resultFailures.has(stream)) return;
  resultFailures.set(stream, null);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (resultFailures.get(stream) == null) resultFailures.set(stream, error);
  });
}

/**
 * Waits until everything written to `stream` is handed to the OS, and gives the first failure
 * writing it, or null. Called once, at the end of the run, before exiting.
 */
export function finishResults(
  stream: NodeJS.WritableStream = process.stdout,
): Promise<NodeJS.ErrnoException | null> {
  watchResults(stream);
  return new Promise((resolve) => {
    const done = (error?: Error | null) => {
      const first = resultFailures.get(stream) ?? error ?? null;
      resolve(first);
    };
    if ((stream as { destroyed?: boolean }).destroyed) done();
    else stream.write('', done);
  });
}

/** The descriptor of `stream` when it writes to a regular file (`> plan.json`), else null. */
function fileDescriptorOf(stream: NodeJS.WritableStream): number | null {
  const fd = (stream as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return null;
  try {
    return fstatSync(fd).isFile() ? fd : null;
  } catch {
    return null;
  }
}

/**
 * Writes all of `text` to the file descriptor, or records why not. NOTE: Node's stream for a
 * stdout that is a file (SyncWriteStream) ignores short writes: on a disk with 24 KB left, the
 * kernel writes 24 KB of a 56 KB plan, says so, and the rest is silently lost; only a further
 * write would fail. So results to a file are written here, until every byte is taken.
 */
function writeAllToFile(stream: NodeJS.WritableStream, fd: number, text: string): void {
  if (resultFailures.get(stream) != null) return;
  const bytes = Buffer.from(text, 'utf8');
  try {
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
  } catch (error) {
    resultFailures.set(stream, error as NodeJS.ErrnoException);
  }
}

/** One line for a failed write of the results, or null for a reader that went away (EPIPE). */
export function resultFailureMessage(error: NodeJS.ErrnoException): string | null {
  // `migrate-clusters plan | head`: the reader has what it wanted; say nothing, as other CLIs do
  if (error.code === 'EPIPE') return null;
  const reason = errnoWords(error.code) ?? error.message.split('\n')[0];
  return `error: Cannot write the output to stdout: ${reason}${error.code ? ` (${error.code})` : ''}; the output is missing or incomplete. Check where stdout goes (a full disk, a closed file), then run again.`;
}

export function createOutput(options: OutputOptions = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const level = colorLevel(process.env, options.color, stdout.isTTY === true);
  const color = new Chalk({ level });
  watchResults(stdout);
  const line = (stream: NodeJS.WritableStream, text: string) => stream.write(`${redact(text)}\n`);
  const resultFile = fileDescriptorOf(stdout);
  return {
    color,
    interactive: stderr.isTTY === true && !process.env.CI,
    result: (text) =>
      resultFile == null
        ? line(stdout, text)
        : writeAllToFile(stdout, resultFile, `${redact(text)}\n`),
    resultPieces: async (pieces) => {
      // about a megabyte a write: no copy of the whole, and a slow reader holds back only one
      for await (const batch of batches(pieces, 1 << 20)) {
        const text = redact(batch);
        if (resultFile != null) writeAllToFile(stdout, resultFile, text);
        else if (!stdout.write(text) && resultFailures.get(stdout) == null)
          await new Promise<void>((resolve) => {
            stdout.once('drain', resolve);
            stdout.once('error', () => resolve());
          });
      }
    },
    info: (text) => line(stderr, text),
    warn: (text) => line(stderr, `${color.yellow('warning')} ${text}`),
    verbose: (text) => {
      if (options.verbose) line(stderr, color.dim(text));
    },
  };
}
