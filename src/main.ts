// The process entry point and its only error boundary: every error becomes output and an exit
// code here, and nowhere else calls process.exit.
import { CommanderError } from 'commander';
import { buildProgram, commandHandlers } from './cli.js';
import { ExitCode, ExitError, UserError } from './errors.js';
import { finishResults, resultFailureMessage, watchResults } from './output.js';
import { redact } from './redact.js';

function report(error: unknown): number {
  if (error instanceof ExitError) return error.code;
  if (error instanceof UserError) {
    // One line: what is wrong, then what to do.
    process.stderr.write(
      redact(`error: ${error.message}${error.hint ? ` ${error.hint}` : ''}`) + '\n',
    );
    return error.exitCode;
  }
  // Ctrl-C at a question (@inquirer/prompts rejects with ExitPromptError): a choice, not a failure.
  if (error instanceof Error && error.name === 'ExitPromptError') {
    process.stderr.write('Cancelled; nothing was changed.\n');
    return ExitCode.ok;
  }
  if (error instanceof CommanderError) {
    // commander has already printed its message (or the help/version text).
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(
    redact(
      `internal error: ${detail}\nThis is a bug in migrate-clusters; please report it with the command you ran.`,
    ) + '\n',
  );
  return ExitCode.error;
}

// Ctrl-C anywhere apply's engine is not running (it stops cleanly on its own): stop at once, but
// say so instead of vanishing. Every write is atomic or journaled, so a re-run is safe.
process.on('SIGINT', () => {
  if (process.listenerCount('SIGINT') > 1) return;
  process.stderr.write('Interrupted.\n');
  process.exit(ExitCode.interrupted);
});

async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram(commandHandlers, (exitCode) => {
    code = exitCode;
  });
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    return report(error);
  }
}

// A failed write to stdout must fail the command, not crash it or go unnoticed.
watchResults(process.stdout);
const code = await main(process.argv);
const failure = await finishResults(process.stdout);
const failed = failure ? resultFailureMessage(failure) : null;
if (failed) process.stderr.write(`${failed}\n`);
// Exit explicitly: idle keep-alive sockets or a stopped simulator must not hold the process.
process.exit(failed ? ExitCode.error : code);
