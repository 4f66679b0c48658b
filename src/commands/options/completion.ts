// `completion`: its argument, help and examples. It has no flags of its own.
import type { Command } from 'commander';
import { declareCommand } from './declare.js';

export function declareCompletion(
  program: Command,
  action: (shell: string) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'completion',
    description: 'Print a shell completion script (commands and their flags) on stdout',
    argument: ['<shell>', 'bash or zsh'],
    options: [],
    examples: [
      'source <(migrate-clusters completion bash)                          # this shell; add it to ~/.bashrc to keep it',
      'migrate-clusters completion zsh > "${fpath[1]}/_migrate-clusters"   # zsh, from the next shell on',
    ],
    note: "The script is made from this version's commands: regenerate it after an upgrade.",
  }).action((shell: string) => action(shell));
}
