// How a command is declared: name, one-line description, arguments, its flags in --help order,
// and the examples (plus any closing note) printed after them.
import type { Command, Option } from 'commander';

export const examples = (lines: string[]) =>
  `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

export interface CommandDeclaration {
  name: string;
  description: string;
  /** commander's `<name>` / `[name]` and its help */
  argument?: [string, string];
  options: Option[];
  examples: string[];
  /** printed after the examples */
  note?: string;
}

export function declareCommand(program: Command, declaration: CommandDeclaration): Command {
  const command = program.command(declaration.name).description(declaration.description);
  if (declaration.argument) command.argument(...declaration.argument);
  for (const option of declaration.options) command.addOption(option);
  return command.addHelpText(
    'after',
    examples(declaration.examples) + (declaration.note ? `\n${declaration.note}\n` : ''),
  );
}
