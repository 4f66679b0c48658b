// @module-tag slow
// The CLI's wiring, as changesets tests its own (packages/cli/src/cli.test.ts): argv goes through
// the real commander program, and each row checks the normalised options the command's action
// would get. The handlers only capture them, so nothing connects or reads a file. One row per
// command with its defaults and one with every flag given (test/cli/options-wiring-rows.ts), each
// switch alone, then flags refused before any action.
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandHandlers, type CommandHandlers } from '../../src/cli.js';
import { ExitCode, UserError } from '../../src/errors.js';
import { connectionFlags, rows, type CommandName } from './options-wiring-rows.js';

interface Call {
  command: CommandName;
  options: unknown;
}

const names = Object.keys(commandHandlers) as CommandName[];

/** Parses argv with handlers that record what they are given. */
async function parse(argv: string[]): Promise<Call[]> {
  const calls: Call[] = [];
  const capture = Object.fromEntries(
    names.map((command) => [
      command,
      (options: unknown) => {
        calls.push({ command, options });
        return Promise.resolve(ExitCode.ok);
      },
    ]),
  ) as unknown as CommandHandlers;
  let exited: ExitCode | null = null;
  const program = buildProgram(capture, (code) => {
    exited = code;
  });
  // commander's own refusals throw here instead of ending the test process
  for (const command of [program, ...program.commands])
    command.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  await program.parseAsync(argv, { from: 'user' });
  if (calls.length) expect(exited).toBe(ExitCode.ok);
  return calls;
}

/** The rows that give every flag: the connection flags go with every command but simulate. */
const withConnectionFlags = (label: string, argv: string[], command: CommandName) =>
  label.endsWith('every flag') && command !== 'simulate' ? [...argv, ...connectionFlags] : argv;

describe('argv → the options each command gets', () => {
  it.each(rows)('%s', async (label, argv, command, expected) => {
    const calls = await parse(withConnectionFlags(label, argv, command));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.command).toBe(command);
    expect(calls[0]!.options).toStrictEqual(expected);
  });

  it('has a defaults row and an every-flag row for every command', () => {
    for (const name of names) {
      const labels = rows.filter((row) => row[2] === name).map((row) => row[0]);
      expect(labels, name).toEqual([`${name}, defaults`, `${name}, every flag`]);
    }
  });
});

/** A copy of `value` with the key at `path` set to `to`. */
function withKey(value: unknown, path: string[], to: unknown): unknown {
  const [key, ...rest] = path;
  if (key == null) return to;
  const object = value as Record<string, unknown>;
  return { ...object, [key]: withKey(object[key], rest, to) };
}

const keyAt = (value: unknown, path: string[]): unknown =>
  path.reduce((v, key) => (v as Record<string, unknown>)[key], value);

// The every-flag rows give all the switches at once, so two swapped would pass there: each of
// these alone must change its own key (a dotted path) and nothing else.
const alone: [CommandName, string, string, unknown][] = [
  ['inventory', '--json', 'data', 'json'],
  ['inventory', '--demo', 'connection.demo', true],
  ['inventory', '--verbose', 'output.verbose', true],
  ['inventory', '--no-color', 'output.color', false],
  ['plan', '--instance-authorization', 'plan.instanceAuthorization', true],
  ['plan', '--user-access', 'plan.userAccess', true],
  ['plan', '--no-ci-audit', 'plan.ciAudit', false],
  ['plan', '--detailed-exitcode', 'detailedExitcode', true],
  ['plan', '--context-for 4=prod-eu', 'plan.contextFor', { 4: 'prod-eu' }],
  ['plan', '--out plan.json', 'out', 'plan.json'],
  ['plan', '--report-dir reports', 'reportDir', 'reports'],
  ['manifests', '--instance-authorization', 'plan.instanceAuthorization', true],
  ['apply', '--dry-run', 'settings.dryRun', true],
  ['apply', '--yes', 'yes', true],
  ['apply', '--refresh', 'refresh', true],
  ['apply', '--json', 'data', 'json'],
  ['apply', '--disable-old-clusters', 'settings.disableOldClusters', true],
  ['apply', '--force-conflicts', 'settings.forceConflicts', true],
  ['apply', '--no-wait', 'settings.wait', false],
  ['apply', '--rollout-timeout 60', 'settings.rolloutDeadlineMs', 60_000],
  ['apply', '--connection-timeout 60', 'settings.connectionDeadlineMs', 60_000],
  ['apply', '--kubeconfig kube.yaml', 'kube.kubeconfig', 'kube.yaml'],
  ['apply', '--same-cluster 4', 'kube.sameCluster', [4]],
  ['migrate', '--instance-authorization', 'plan.instanceAuthorization', true],
  ['migrate', '--plan plan.json', 'planFile', 'plan.json'],
  ['status', '--json', 'data', 'json'],
  ['status', '--detailed-exitcode', 'detailedExitcode', true],
  ['verify', '--json', 'data', 'json'],
  ['verify', '--detailed-exitcode', 'detailedExitcode', true],
  ['rollback', '--dry-run', 'dryRun', true],
  ['rollback', '--yes', 'yes', true],
  ['rollback', '--uninstall', 'uninstall', true],
  ['rollback', '--json', 'data', 'json'],
  ['inventory', '-o yaml', 'data', 'yaml'],
  ['plan', '--json', 'format', 'json'],
  ['plan', '-o yaml', 'format', 'yaml'],
  ['plan', '--format junit', 'format', 'junit'],
  ['status', '--output json', 'data', 'json'],
  ['rollback', '-o yaml', 'data', 'yaml'],
  ['apply', '-o yaml', 'data', 'yaml'],
  ['verify', '-o yaml', 'data', 'yaml'],
  ['rollback', '--kubeconfig kube.yaml', 'kube.kubeconfig', 'kube.yaml'],
  ['simulate', '--no-color', 'color', false],
];

describe('each flag alone changes its own option', () => {
  it.each(alone)('%s %j → %s', async (command, flags, key, value) => {
    const [, argv, , defaults] = rows.find((row) => row[0] === `${command}, defaults`)!;
    const [call] = await parse([...argv, ...flags.split(' ')]);
    const path = key.split('.');
    expect(keyAt(call!.options, path)).toStrictEqual(value);
    expect(withKey(call!.options, path, keyAt(defaults, path))).toStrictEqual(defaults);
  });
});

describe('flags refused before any command runs', () => {
  const refused: [string[], typeof UserError | typeof CommanderError, RegExp][] = [
    [['plan', '--context-for', 'prod=ctx'], UserError, /--context-for needs a cluster id/],
    [['plan', '--agent-project-name', 'Bad Name!'], UserError, /--agent-project-name: /],
    [
      ['manifests', '--agent', 'x', '--agent-project', 'data=data/-agents'],
      UserError,
      /--agent-project data=data\/-agents: /,
    ],
    [['migrate', '--context-for', 'abc'], UserError, /--context-for expects KEY=VALUE/],
    [['apply', '--install', 'manifests'], UserError, /--out-dir DIR/],
    [['apply', '--same-cluster', 'prod'], UserError, /--same-cluster needs a certificate/],
    [['status', 'plan.json', '--context-for', '4'], UserError, /--context-for expects/],
    [['verify', '--same-cluster', 'x'], UserError, /--same-cluster needs a certificate/],
    [['rollback', 'plan.json', '--context-for', 'x=y'], UserError, /--context-for needs/],
    [['apply', '--parallel', '0'], CommanderError, /--parallel must be a whole number/],
    [['plan', '--tier', 'gold'], CommanderError, /Allowed choices are free, premium/],
    [['manifests'], CommanderError, /required option '--agent <ref>' not specified/],
    [['simulate', '--fixture', 'f.json', '--port', '70000'], CommanderError, /the port must be/],
    [['inventory', '--json', '-o', 'yaml'], UserError, /--json and -o yaml ask for two formats/],
    [['plan', '--format', 'markdown', '--json'], UserError, /--format markdown and --json ask/],
    [['status', 'plan.json', '-o', 'xml'], CommanderError, /Allowed choices are json, yaml/],
    [
      ['inventory', '--demo', '--gitlab-url', 'https://gitlab.example.com'],
      CommanderError,
      /'--demo' cannot be used with option '--gitlab-url/,
    ],
    [
      ['plan', '--demo', '--token', 'glpat-x'],
      CommanderError,
      /'--demo' cannot be used with .*--token/,
    ],
    [
      ['apply', 'plan.json', '--demo', '--kubeconfig', 'k.yaml'],
      CommanderError,
      /'--demo' cannot be used with option '--kubeconfig/,
    ],
    [
      ['status', 'plan.json', '--kubeconfig', 'k.yaml', '--demo'],
      CommanderError,
      /cannot be used with/,
    ],
  ];

  it.each(refused)('%j', async (argv, kind, message) => {
    const parsing = parse(argv);
    await expect(parsing).rejects.toThrow(kind);
    await expect(parsing).rejects.toThrow(message);
  });
});
