// Typed errors. Only src/main.ts turns them into output and exit codes.

export const ExitCode = {
  ok: 0,
  error: 1,
  /** `--detailed-exitcode`: work is pending (plan), not cut over (status), a row fails (verify). */
  pending: 2,
  /** apply finished, but a selected step needs a person (the summary says which). */
  incomplete: 3,
  /** stopped by SIGINT/SIGTERM (128 + 2, the shell's convention); run again to resume. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A problem with the user's input or environment. Printed as one line (plus an optional hint),
 * never with a stack trace.
 */
export class UserError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(
    message: string,
    options: { hint?: string; cause?: unknown; exitCode?: ExitCode } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UserError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.error;
  }
}

/** The problem was already reported where it was found; only exit with this code. */
export class ExitError extends Error {
  constructor(readonly code: ExitCode) {
    super(`exit ${code}`);
    this.name = 'ExitError';
  }
}

/** A broken invariant: a bug in migrate-clusters. Printed with its stack and a request to report it. */
export class InternalError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'InternalError';
  }
}
