// The commander program: the list of commands. Each command's flags, help and examples, and how
// its flags become the typed options its action gets, are in src/commands/options/. The real
// handlers import their command module only when it runs, so `--help` stays fast and a command
// only loads what it uses; tests pass handlers that capture the options instead.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declareApply, type ApplyCommandOptions } from './commands/options/apply.js';
import { declareCompletion } from './commands/options/completion.js';
import { examples } from './commands/options/declare.js';
import { declareInventory, type InventoryOptions } from './commands/options/inventory.js';
import { declareManifests, type ManifestsOptions } from './commands/options/manifests.js';
import { declareMigrate, type MigrateCommandOptions } from './commands/options/migrate.js';
import { declarePlan, type PlanCommandOptions } from './commands/options/plan.js';
import { declareRollback, type RollbackCommandOptions } from './commands/options/rollback.js';
import { declareSimulate, type SimulateOptions } from './commands/options/simulate.js';
import {
  declareStatus,
  declareVerify,
  type StatusCommandOptions,
  type VerifyCommandOptions,
} from './commands/options/status.js';
import type { ExitCode } from './errors.js';
import { packageRoot } from './paths.js';

/** What runs each command, given its normalised options. */
export interface CommandHandlers {
  inventory: (options: InventoryOptions) => Promise<ExitCode>;
  plan: (options: PlanCommandOptions) => Promise<ExitCode>;
  manifests: (options: ManifestsOptions) => Promise<ExitCode>;
  apply: (options: ApplyCommandOptions) => Promise<ExitCode>;
  migrate: (options: MigrateCommandOptions) => Promise<ExitCode>;
  status: (options: StatusCommandOptions) => Promise<ExitCode>;
  verify: (options: VerifyCommandOptions) => Promise<ExitCode>;
  rollback: (options: RollbackCommandOptions) => Promise<ExitCode>;
  simulate: (options: SimulateOptions) => Promise<ExitCode>;
}

export const commandHandlers: CommandHandlers = {
  inventory: async (o) => (await import('./commands/inventory.js')).runInventory(o),
  plan: async (o) => (await import('./commands/plan.js')).runPlan(o),
  manifests: async (o) => (await import('./commands/manifests.js')).runManifests(o),
  apply: async (o) => (await import('./commands/apply.js')).runApplyCommand(o),
  migrate: async (o) => (await import('./commands/migrate.js')).runMigrateCommand(o),
  status: async (o) => (await import('./commands/status.js')).runStatusCommand(o),
  verify: async (o) => (await import('./commands/verify.js')).runVerifyCommand(o),
  rollback: async (o) => (await import('./commands/rollback.js')).runRollbackCommand(o),
  simulate: async (o) => (await import('./commands/simulate.js')).runSimulate(o),
};

function rootProgram(): Command {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  return new Command('migrate-clusters')
    .description(
      'Move GitLab certificate-based Kubernetes clusters onto the GitLab agent for Kubernetes.',
    )
    .version(pkg.version, '-v, --version', 'print the version')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      examples([
        'migrate-clusters plan --demo                      # try it on the built-in demo instance',
        'migrate-clusters inventory --demo',
        'GITLAB_URL=https://gitlab.example.com GITLAB_TOKEN=glpat-… migrate-clusters inventory',
        'migrate-clusters inventory --group platform --json > inventory.json',
        'migrate-clusters plan --out plan.json --report-dir reports --detailed-exitcode',
        'migrate-clusters apply plan.json --dry-run && migrate-clusters apply plan.json --yes',
        'migrate-clusters migrate --demo                   # the interactive wizard, on the demo',
        'migrate-clusters status plan.json',
        'migrate-clusters simulate --port 8080                # the demo instance, to try a GitLab client on',
      ]) +
        '\nExit codes: 0 ok · 1 error · 2 pending work (with --detailed-exitcode)\n' +
        'Docs: README.md. A token never appears in any output.\n',
    );
}

/** The program; `exit` gets the exit code of the command that ran. */
export function buildProgram(handlers: CommandHandlers, exit: (code: ExitCode) => void): Command {
  const program = rootProgram();
  const run =
    <O>(handler: (options: O) => Promise<ExitCode>) =>
    async (options: O) =>
      exit(await handler(options));
  declareInventory(program, run(handlers.inventory));
  declarePlan(program, run(handlers.plan));
  declareManifests(program, run(handlers.manifests));
  declareApply(program, run(handlers.apply));
  declareMigrate(program, run(handlers.migrate));
  declareStatus(program, run(handlers.status));
  declareVerify(program, run(handlers.verify));
  declareRollback(program, run(handlers.rollback));
  declareSimulate(program, run(handlers.simulate));
  declareMeta(program);
  return program;
}

/** `help [command]` that refuses a command it does not know, `version`, and `completion`. */
function declareMeta(program: Command): void {
  program.helpCommand(false);
  program
    .command('help [command]')
    .description('show the help of migrate-clusters or of one command')
    .action((name?: string) => {
      if (name == null) return program.outputHelp();
      const command = program.commands.find((c) => c.name() === name && c.name() !== 'help');
      if (!command)
        program.error(`error: unknown command '${name}'`, { code: 'commander.unknownCommand' });
      command.outputHelp();
    });
  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`${program.version()}\n`);
    });
  // Walks `program` when it runs, so the script lists every command declared above and below.
  declareCompletion(program, async (shell) => {
    const { completionScript } = await import('./commands/completion.js');
    process.stdout.write(completionScript(program, shell));
  });
}
