// Commands that run code from the repository (a script file, a Makefile), which this audit
// cannot read: the CI configuration is all it sees.
import type { ShellCommand } from './shell-commands.js';

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'source', '.', 'pwsh']);
const INTERPRETERS = new Set(['python', 'python3', 'python2', 'ruby', 'perl', 'node', 'php']);
/** Options after which the interpreter runs inline code or a module, not a file. */
const INLINE = /^-(?:[a-z]*c[a-z]*|m|e|-eval|Command)$/;

/** A program path inside the checkout: `./deploy.sh`, `ci/deploy`, `$CI_PROJECT_DIR/bin/x`. */
const inRepository = (program: string) =>
  /^\.\.?\//.test(program) ||
  /^\$\{?CI_PROJECT_DIR\}?\//.test(program) ||
  (program.includes('/') && !/^[/$~]/.test(program));

/** The repository file (or `make` target) the command runs, or null. */
export function repositoryScript(command: ShellCommand): string | null {
  if (inRepository(command.program)) return command.program;
  if (command.name === 'make') {
    const target = command.args.find((a) => !a.startsWith('-') && !a.includes('='));
    return target ? `make ${target}` : 'make';
  }
  if (!SHELLS.has(command.name) && !INTERPRETERS.has(command.name)) return null;
  if (command.args.some((a) => INLINE.test(a))) return null;
  const file = command.args.find((a) => !a.startsWith('-'));
  return file ?? null;
}
