// The commander program: commands, flags, examples. Each action lazily imports its command
// module, so `--help` stays fast and a command only loads what it uses.
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExitCode } from './errors.js';
import { packageRoot } from './paths.js';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a whole number of at least 1.`);
    return n;
  };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('the port must be 0-65535 (0 picks a free one).');
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The connection and output flags every GitLab-facing command takes. */
function withCommonOptions(command: Command): Command {
  return command
    .option(
      '--gitlab-url <url>',
      'GitLab instance (default: $GITLAB_URL, $GITLAB_HOST or $CI_SERVER_URL)',
    )
    .option(
      '--token <token>',
      'personal access token (default: $GITLAB_TOKEN; prefer the variable: flags show in process lists)',
    )
    .option('--demo', 'run against the built-in simulated instance (fixtures/demo.json)')
    .option(
      '--concurrency <n>',
      'GitLab requests in flight at once',
      positiveInt('--concurrency'),
      8,
    )
    .option(
      '--timeout <seconds>',
      'give up on one GitLab request after this long (it is retried)',
      positiveInt('--timeout'),
      30,
    )
    .option('--no-color', 'plain output (also: NO_COLOR=1)')
    .option('--verbose', 'log retries and other details on stderr');
}

/** How clusters map to agents: what `plan` and everything that plans on the fly take. */
function withMappingOptions(command: Command): Command {
  return command
    .option(
      '--instance-authorization',
      'the admin setting "Enable instance level authorization" is on (17.11+)',
    )
    .option(
      '--agent-project-name <name>',
      'shared agent project created in a top-level group when needed',
      'gitlab-agents',
    )
    .option(
      '--agent-project <root=path>',
      'put the agents of a top-level group in this project (repeatable)',
      collect,
    );
}

/** Which kubeconfig, and which of its contexts reaches which certificate cluster. */
function withKubeOptions(command: Command): Command {
  return command
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    .option(
      '--context-for <id=context>',
      'kubeconfig context that reaches certificate cluster ID (repeatable)',
      collect,
    )
    .option(
      '--same-cluster <id>',
      'vouch that the --context-for context of cluster ID reaches that very cluster, though its server address differs (repeatable)',
      collect,
    );
}

const rbacOption = () =>
  new Option(
    '--rbac <binding>',
    'cluster-admin, or existing-role:NAME to bind that ClusterRole instead',
  ).default('cluster-admin');

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

type Action = () => Promise<ExitCode>;

export function buildProgram(run: (action: Action) => Promise<void>): Command {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const program = new Command('migrate-clusters')
    .description(
      'Move GitLab certificate-based Kubernetes clusters onto the GitLab agent for Kubernetes.',
    )
    .version(pkg.version)
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
        'migrate-clusters simulate --fixture fixtures/demo.json --port 8080',
      ]) +
        '\nExit codes: 0 ok · 1 error · 2 pending work (with --detailed-exitcode)\n' +
        'Docs: README.md. A token never appears in any output.\n',
    );

  withCommonOptions(
    program
      .command('inventory')
      .description(
        'List every certificate-based cluster (instance, group and project level) as GitLab reports it',
      )
      .option('--json', 'print the inventory as JSON on stdout (contract: inventory.schema.json)')
      .option('--group <path>', 'only this group and everything below it (repeatable)', collect)
      .addOption(
        new Option(
          '--strategy <name>',
          'how to find clusters: auto uses the discovery API on GitLab 17.9+',
        )
          .choices(['auto', 'full-scan'])
          .default('auto'),
      ),
  )
    .addHelpText(
      'after',
      examples([
        'migrate-clusters inventory --demo',
        'migrate-clusters inventory --gitlab-url https://gitlab.example.com --group platform/infra',
        'migrate-clusters inventory --json | jq ".clusters[] | select(.enabled)"',
      ]),
    )
    .action((options: object) =>
      run(async () => (await import('./commands/inventory.js')).runInventory(options)),
    );

  withCommonOptions(
    withMappingOptions(program.command('plan'))
      .description(
        'Work out the migration (a dry run: nothing changes) and show it, or write plan.json and reports',
      )
      .option('--out <file>', 'write the plan (input of `apply`) to this file')
      .addOption(
        new Option(
          '--format <format>',
          'what to print on stdout (default: table on a terminal, json otherwise)',
        ).choices(['table', 'json', 'markdown', 'junit']),
      )
      .option(
        '--report-dir <dir>',
        'also write plan.json, plan.md, plan.junit.xml and plan.txt there',
      )
      .option('--group <path>', 'only this group and everything below it (repeatable)', collect)
      .option(
        '--detailed-exitcode',
        "exit 2 when work is pending, 0 when there is none (terraform's meaning)",
      )
      .addOption(
        new Option(
          '--tier <tier>',
          'GitLab tier: premium maps managed clusters to managed resources',
        )
          .choices(['free', 'premium'])
          .default('free'),
      )
      .option(
        '--user-access',
        'also grant user_access (Kubernetes dashboard); grants people access they did not have',
      )
      .option(
        '--context-for <id=context>',
        'kubeconfig context that reaches certificate cluster ID (repeatable)',
        collect,
      )
      .option(
        '--no-ci-audit',
        'skip reading the CI configuration of every project in reach (faster; the plan then cannot name jobs that would break)',
      ),
  )
    .addHelpText(
      'after',
      examples([
        'migrate-clusters plan --demo',
        'migrate-clusters plan --out plan.json --report-dir reports',
        'migrate-clusters plan --format markdown > plan.md',
        'migrate-clusters plan --detailed-exitcode --format junit > plan.junit.xml   # CI: exit 2 = pending',
      ]),
    )
    .action((options: object) =>
      run(async () => (await import('./commands/plan.js')).runPlan(options)),
    );

  withCommonOptions(
    withMappingOptions(program.command('manifests'))
      .description(
        "Print a planned agent's agentk objects as YAML (without the token Secret); changes nothing",
      )
      .requiredOption(
        '--agent <ref>',
        'the agent: PROJECT_PATH:NAME as `plan` lists it, or NAME when unique',
      )
      .addOption(rbacOption())
      .option(
        '--group <path>',
        'plan only this group and everything below it (repeatable)',
        collect,
      ),
  )
    .addHelpText(
      'after',
      examples([
        'migrate-clusters manifests --demo --agent payments/gitlab-agents:staging',
        'migrate-clusters manifests --agent platform/gitlab-agents:review-apps --rbac existing-role:gitlab-deployer > agentk.yaml',
        'migrate-clusters manifests --agent prod-eu | kubectl apply --dry-run=server -f -   # a unique agent name',
      ]),
    )
    .action((options: { agent: string }) =>
      run(async () => (await import('./commands/manifests.js')).runManifests(options)),
    );

  withCommonOptions(
    withKubeOptions(program.command('apply'))
      .description(
        'Carry a plan out: agent config, registration, token, agentk, variables, environments, cut-over',
      )
      .argument('[plan]', 'plan file from `plan --out` (optional with --demo)')
      .option('--dry-run', 'report every call and object it would make; change nothing')
      .option('--yes', 'do not ask for confirmation (needed without a terminal)')
      .option('--only <agent>', 'only this agent: PROJECT_PATH:NAME or NAME (repeatable)', collect)
      .option(
        '--disable-old-clusters',
        'turn each certificate cluster off once every job that used it is proven to reach it through its agent (see verify; never deletes it)',
      )
      .addOption(
        new Option(
          '--fix-ci <mode>',
          'open a merge request per project whose deploy jobs would break, making them select their agent context',
        ).choices(['merge-request']),
      )
      .addOption(
        new Option('--config-via <mode>', 'how agent config files reach GitLab')
          .choices(['commit', 'merge-request', 'files'])
          .default('commit'),
      )
      .addOption(
        new Option(
          '--install <mode>',
          'how agentk is installed: apply (server-side apply), manifests (write them), none',
        )
          .choices(['apply', 'manifests', 'none'])
          .default('apply'),
      )
      .option('--out-dir <dir>', 'where --config-via files and --install manifests write')
      .option('--no-wait', 'do not wait for agentk to roll out and connect (run apply again later)')
      .option(
        '--parallel <n>',
        'agents at work at once; agents waiting for their connection do not count (1: one after another)',
        positiveInt('--parallel'),
        10,
      )
      .addOption(rbacOption())
      .option('--force-conflicts', 'take over fields another field manager owns in the cluster')
      .option(
        '--refresh',
        'if GitLab changed since the plan was made, re-plan with the same options',
      )
      .option(
        '--rollout-timeout <seconds>',
        'how long to wait for agentk to roll out',
        positiveInt('--rollout-timeout'),
        300,
      )
      .option(
        '--connection-timeout <seconds>',
        'how long to wait for the agent to connect to GitLab',
        positiveInt('--connection-timeout'),
        300,
      )
      .option('--json', 'print the outcome as JSON on stdout (progress stays off)'),
  )
    .addHelpText(
      'after',
      examples([
        'migrate-clusters apply plan.json --dry-run',
        'migrate-clusters apply plan.json --yes',
        'migrate-clusters apply plan.json --only payments/gitlab-agents:staging --config-via merge-request',
        'migrate-clusters apply plan.json --yes --fix-ci merge-request   # also fix the deploy jobs that would break',
        'migrate-clusters apply plan.json --yes --disable-old-clusters   # turns off only what verify shows safe',
        'migrate-clusters apply --demo --yes                             # the whole journey on the demo',
      ]) +
        '\nA journal of what apply did is kept beside the plan (plan.json.state.json, no secrets).\n',
    )
    .action((planFile: string | undefined, options: object) =>
      run(async () => (await import('./commands/apply.js')).runApplyCommand(planFile, options)),
    );

  withCommonOptions(
    program
      .command('migrate')
      .description(
        'Interactive wizard: pick agents, confirm names and kube contexts, then apply (needs a terminal)',
      )
      .option('--plan <file>', 'use this reviewed plan (default: plan now)')
      .option(
        '--kubeconfig <file>',
        'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)',
      )
      .option(
        '--context-for <id=context>',
        'pre-select the kubeconfig context that reaches certificate cluster ID (repeatable)',
        collect,
      )
      .option(
        '--instance-authorization',
        'the admin setting "Enable instance level authorization" is on (17.11+; without --plan)',
      )
      .addOption(
        new Option('--tier <tier>', 'GitLab tier (without --plan)')
          .choices(['free', 'premium'])
          .default('free'),
      ),
  )
    .addHelpText(
      'after',
      examples([
        'migrate-clusters migrate --demo                  # the whole journey on the demo',
        'migrate-clusters migrate --plan plan.json        # a reviewed plan',
        'migrate-clusters migrate --context-for 4=prod-eu --kubeconfig ~/.kube/prod.yaml',
      ]) +
        '\nWithout a terminal (CI), use `migrate-clusters apply plan.json --yes` instead. Ctrl-C at any question changes nothing.\n',
    )
    .action((options: object) =>
      run(async () => (await import('./commands/migrate.js')).runMigrateCommand(options)),
    );

  withCommonOptions(
    withKubeOptions(program.command('status'))
      .description(
        'Show how far a plan has got, live from GitLab and the clusters (reads only; changes nothing)',
      )
      .argument('<plan>', 'plan file from `plan --out`')
      .option('--json', 'print the status as JSON on stdout')
      .option('--detailed-exitcode', 'exit 2 while some agent is not cut over, 0 when all are'),
  )
    .addHelpText(
      'after',
      examples([
        'migrate-clusters status plan.json',
        "migrate-clusters status plan.json --json | jq '.agents[] | {ref, state}'",
        'migrate-clusters status plan.json --detailed-exitcode   # CI: exit 2 = not cut over yet',
      ]),
    )
    .action((planFile: string, options: object) =>
      run(async () => (await import('./commands/status.js')).runStatusCommand(planFile, options)),
    );

  withCommonOptions(
    withKubeOptions(program.command('verify'))
      .description(
        'Continuity, read live: does every job reach the cluster it used once the old one is off? (reads only)',
      )
      .argument('[plan]', 'plan file from `plan --out` (with --demo: plan now)')
      .option('--json', 'print the rows, the clusters and the CI audit as JSON on stdout')
      .option('--detailed-exitcode', 'exit 2 while some row does not hold, 0 when all do'),
  )
    .addHelpText(
      'after',
      examples([
        'migrate-clusters verify plan.json',
        'migrate-clusters verify --demo                       # every CI audit verdict on the demo',
        "migrate-clusters verify plan.json --json | jq '.rows[] | select(.holds | not)'",
        'migrate-clusters verify plan.json --detailed-exitcode   # CI: exit 2 = not safe to cut over yet',
      ]),
    )
    .action((planFile: string | undefined, options: object) =>
      run(async () => (await import('./commands/verify.js')).runVerifyCommand(planFile, options)),
    );

  withCommonOptions(
    program
      .command('rollback')
      .description(
        'Undo the cut-over apply made: old clusters on again, its variables and environment links removed',
      )
      .argument('<plan>', 'the plan file apply was given (its journal is beside it)')
      .option('--dry-run', 'say what it would undo; change nothing')
      .option('--yes', 'do not ask for confirmation (needed without a terminal)')
      .option(
        '--uninstall',
        'also delete agentk from the clusters and the agents apply registered (revoking their tokens)',
      )
      .option('--json', 'print the outcome as JSON on stdout')
      .option(
        '--kubeconfig <file>',
        'kubeconfig to use with --uninstall (default: $KUBECONFIG, then ~/.kube/config)',
      )
      .option(
        '--context-for <id=context>',
        'kubeconfig context that reaches certificate cluster ID (repeatable)',
        collect,
      )
      .option(
        '--same-cluster <id>',
        'vouch that the --context-for context of cluster ID reaches that very cluster (repeatable)',
        collect,
      ),
  )
    .addHelpText(
      'after',
      examples([
        'migrate-clusters rollback plan.json --dry-run',
        'migrate-clusters rollback plan.json --yes',
        'migrate-clusters rollback plan.json --yes --uninstall   # also remove agentk and the agents',
      ]) +
        '\nOnly what the journal (plan.json.state.json) records is undone; certificate clusters and projects are never deleted.\n',
    )
    .action((planFile: string, options: object) =>
      run(async () =>
        (await import('./commands/rollback.js')).runRollbackCommand(planFile, options),
      ),
    );

  program
    .command('simulate')
    .description('Run the GitLab simulator standalone on loopback; prints its URL and a token')
    .requiredOption('--fixture <file>', 'instance to serve (see fixtures/README.md)')
    .option('--port <n>', 'port to listen on (0 = any free port)', port, 0)
    .option('--latency <ms>', 'add this much latency to every request', positiveInt('--latency'))
    .option('--no-color', 'plain output')
    .addHelpText(
      'after',
      examples(['migrate-clusters simulate --fixture fixtures/demo.json --port 8080']),
    )
    .action((options: { fixture: string; port: number; latency?: number }) =>
      run(async () => (await import('./commands/simulate.js')).runSimulate(options)),
    );

  return program;
}
