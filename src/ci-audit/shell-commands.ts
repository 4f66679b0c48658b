// Splits a job's script lines into the simple commands a shell would run, well enough to see
// which program each one starts and with which arguments. It is not a shell parser: it knows
// quotes, escapes, comments, `;` `&&` `||` `|` `&`, subshells and command substitution, and looks
// inside `sh -c "..."` and `eval "..."`. Heredoc bodies are read as commands too, which only
// ever adds harmless unknown command names.

export interface ShellCommand {
  /** the program, without its directory: `/usr/local/bin/kubectl` → `kubectl`; '' for bare assignments */
  name: string;
  /** the program as written, e.g. `./deploy.sh` */
  program: string;
  args: string[];
  /** `NAME=value` words before the program (the whole command when there is none) */
  assignments: string[];
}

/** Words that run the next word as the command (options of theirs are skipped too). */
const PREFIXES = new Set([
  'if',
  'then',
  'else',
  'elif',
  'do',
  'while',
  'until',
  '!',
  '{',
  '}',
  'time',
  'exec',
  'command',
  'builtin',
  'nohup',
  'sudo',
  'env',
  'xargs',
  'watch',
]);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Words of each simple command, quotes removed. */
function splitWords(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | null = null;
  /** quote state outside each open `$(`; `$(` inside double quotes starts a fresh command */
  const outer: ('"' | null)[] = [];
  let quote: "'" | '"' | null = null;

  const endWord = () => {
    if (word != null) words.push(word);
    word = null;
  };
  const endCommand = () => {
    endWord();
    if (words.length) commands.push(words);
    words = [];
  };

  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word = (word ?? '') + c;
      continue;
    }
    if (c === '\\') {
      const next = script[i + 1];
      i++;
      if (next === '\n' || next === undefined) continue;
      word = (word ?? '') + next;
      continue;
    }
    if (c === '$' && script[i + 1] === '(' && script[i + 2] !== '(') {
      endCommand();
      outer.push(quote);
      quote = null;
      i++;
      continue;
    }
    if (c === '`') {
      endCommand();
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else word = (word ?? '') + c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
      continue;
    }
    if (c === '#' && word == null) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
      continue;
    }
    if (c === ')' && outer.length) {
      endCommand();
      quote = outer.pop() ?? null;
      continue;
    }
    if ('\n;&|()'.includes(c)) {
      endCommand();
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      continue;
    }
    word = (word ?? '') + c;
  }
  endCommand();
  return commands;
}

const basename = (program: string) => program.slice(program.lastIndexOf('/') + 1);

/** The command in `words` once assignments and prefixes like `sudo` or `timeout 60` are skipped. */
function commandOf(words: string[]): ShellCommand {
  const assignments: string[] = [];
  let i = 0;
  for (;;) {
    const word = words[i];
    if (word === undefined) return { name: '', program: '', args: [], assignments };
    if (ASSIGNMENT.test(word)) assignments.push(word);
    else if (PREFIXES.has(word)) {
      while (words[i + 1]?.startsWith('-')) i++;
    } else if (word === 'timeout') {
      while (words[i + 1]?.startsWith('-')) i++;
      i++; // the duration
    } else break;
    i++;
  }
  const program = words[i]!;
  return { name: basename(program), program, args: words.slice(i + 1), assignments };
}

/** The simple commands of a script, including those run through `sh -c` and `eval`. */
export function shellCommands(script: string): ShellCommand[] {
  const result: ShellCommand[] = [];
  for (const words of splitWords(script)) {
    const command = commandOf(words);
    result.push(command);
    if (SHELLS.has(command.name)) {
      const flag = command.args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
      const inline = flag >= 0 ? command.args[flag + 1] : undefined;
      if (inline !== undefined) result.push(...shellCommands(inline));
    } else if (command.name === 'eval') result.push(...shellCommands(command.args.join(' ')));
  }
  return result;
}
