// Process output. Machine output (stdout) and human logs (stderr) are kept apart so that
// `--json` prints only JSON on stdout. Everything passes through redact().
import { Chalk, type ChalkInstance } from 'chalk';
import { redact } from './redact.js';

export interface Output {
  color: ChalkInstance;
  /** stdout: the command's result */
  result(text: string): void;
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

export function createOutput(options: OutputOptions = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const level = colorLevel(process.env, options.color, stdout.isTTY === true);
  const color = new Chalk({ level });
  const line = (stream: NodeJS.WritableStream, text: string) => stream.write(`${redact(text)}\n`);
  return {
    color,
    interactive: stderr.isTTY === true && !process.env.CI,
    result: (text) => line(stdout, text),
    info: (text) => line(stderr, text),
    warn: (text) => line(stderr, `${color.yellow('warning')} ${text}`),
    verbose: (text) => {
      if (options.verbose) line(stderr, color.dim(text));
    },
  };
}
