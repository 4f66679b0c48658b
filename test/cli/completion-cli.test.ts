// @module-tag slow
// `completion bash|zsh` through the built CLI, and the bash script loaded into a real bash with
// COMP_WORDS/COMP_CWORD set the way bash's programmable completion sets them.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, commandHandlers } from '../../src/cli.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';

const program = buildProgram(commandHandlers, () => {});
const commandNames = program.commands.map((c) => c.name());

let dir: string;
let bashScript: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-completion-'));
  const result = await runCli(['completion', 'bash']);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  bashScript = join(dir, 'migrate-clusters.bash');
  await writeFile(bashScript, result.stdout);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * What bash offers for each command line (the last word is the one being completed): the script
 * is sourced once, then the completion function runs per line, its COMPREPLY one line per query.
 */
async function complete(lines: string[][]): Promise<string[][]> {
  const queries = lines.map((words) => {
    const array = ['migrate-clusters', ...words].map((w) => `'${w}'`).join(' ');
    return `COMP_WORDS=(${array}); COMP_CWORD=${words.length}; _migrate_clusters; echo "\${COMPREPLY[*]}"`;
  });
  const { stdout } = await promisify(execFile)('bash', [
    '--norc',
    '--noprofile',
    '-c',
    [`source '${bashScript}'`, ...queries].join('\n'),
  ]);
  return stdout
    .split('\n')
    .slice(0, lines.length)
    .map((line) => line.split(' ').filter(Boolean));
}

describe('migrate-clusters completion bash', () => {
  it('completes a command name, and a command’s long flag', async () => {
    const [pl, re] = await complete([['pl'], ['plan', '--re']]);
    expect(pl).toEqual(['plan']);
    expect(re).toEqual(['--report-dir']);
  });

  it('completes flags after a positional argument, and the words help and completion take', async () => {
    const [dry, shells, help] = await complete([
      ['apply', 'plan.json', '--dry'],
      ['completion', ''],
      ['help', 'st'],
    ]);
    expect(dry).toEqual(['--dry-run']);
    expect(shells).toEqual(['bash', 'zsh']);
    expect(help).toEqual(['status']);
  });

  it('offers every command, and every long flag of each, as commander declares them', async () => {
    const flagsOf = program.commands.map((c) => ({
      name: c.name(),
      flags: [...c.options.filter((o) => o.long).map((o) => o.long!), '--help'],
    }));
    const [all, ...perCommand] = await complete([[''], ...flagsOf.map(({ name }) => [name, '--'])]);
    expect(all!.sort()).toEqual([...commandNames, '--help', '--version'].sort());
    expect(commandNames).toContain('completion');
    flagsOf.forEach(({ name, flags }, i) => {
      expect(perCommand[i]!.sort(), name).toEqual([...new Set(flags)].sort());
    });
    // the sizes show the list is the real one, not a shell that completes nothing
    expect(flagsOf.find((c) => c.name === 'apply')!.flags.length).toBeGreaterThan(20);
  });
});

describe('migrate-clusters completion zsh', () => {
  // zsh is not installed on the machine these tests were written on, so the script is not run:
  // its content is checked instead, and `zsh -n` parses it where a zsh exists.
  it('prints a #compdef script naming every command and its flags', async () => {
    const { code, stdout, stderr } = await runCli(['completion', 'zsh']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toBe('#compdef migrate-clusters');
    for (const command of program.commands) {
      expect(stdout).toContain(`'${command.name()}:`);
      const flags = command.options.filter((o) => o.long).map((o) => o.long!);
      expect(stdout, command.name()).toContain(
        `    ${command.name()}) flags=(${[...new Set([...flags, '--help'])].join(' ')})`,
      );
    }
    let zsh = true;
    try {
      execFileSync('zsh', ['--version'], { stdio: 'ignore' });
    } catch {
      zsh = false;
    }
    if (zsh) {
      const file = join(dir, '_migrate-clusters');
      await writeFile(file, stdout);
      execFileSync('zsh', ['-n', file]);
    }
  });
});

describe('migrate-clusters completion, refused and explained', () => {
  it('an unknown shell: one line naming the shells it knows, exit 1, nothing on stdout', async () => {
    const { code, stdout, stderr } = await runCli(['completion', 'fish']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(isOneClearLine(stderr)).toBe(true);
    expect(stderr).toBe("error: unknown shell 'fish'. Shells: bash, zsh.\n");
  });

  it('--help shows how to load it in bash and zsh', async () => {
    const { code, stdout } = await runCli(['completion', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('source <(migrate-clusters completion bash)');
    expect(stdout).toContain('migrate-clusters completion zsh > "${fpath[1]}/_migrate-clusters"');
  });
});
