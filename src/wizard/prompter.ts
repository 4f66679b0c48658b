// The four prompts the wizard uses, behind a small interface so tests drive the real inquirer
// prompts through their own streams (inquirer's `context`) instead of the process's terminal.
import { checkbox, confirm, input, select } from '@inquirer/prompts';

export interface PromptChoice<V> {
  value: V;
  name: string;
  /** what the answer line shows once chosen (default: name) */
  short?: string;
  description?: string;
  checked?: boolean;
}

export interface Prompter {
  checkbox<V>(config: {
    message: string;
    choices: PromptChoice<V>[];
    required?: boolean;
    pageSize?: number;
  }): Promise<V[]>;
  select<V>(config: {
    message: string;
    choices: PromptChoice<V>[];
    default?: V;
    pageSize?: number;
  }): Promise<V>;
  input(config: {
    message: string;
    default?: string;
    validate?: (value: string) => string | true | Promise<string | true>;
  }): Promise<string>;
  confirm(config: { message: string; default?: boolean }): Promise<boolean>;
}

/** Where a prompt reads keys and draws; a fresh one per prompt (inquirer ends its output stream). */
export interface PromptStreams {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** The real prompts; on the process's terminal unless `streams` gives others. */
export function inquirerPrompter(streams: () => PromptStreams = () => ({})): Prompter {
  return {
    checkbox: (config) => checkbox(config, streams()),
    select: (config) => select(config, streams()),
    input: (config) => input(config, streams()),
    confirm: (config) => confirm(config, streams()),
  };
}

/**
 * Ctrl-C (inquirer's ExitPromptError) or an aborted prompt: the person walked away, which is a
 * cancel, not an error. Matched by name because @inquirer/prompts does not export the classes.
 */
export function isPromptCancel(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'ExitPromptError' ||
      error.name === 'AbortPromptError' ||
      error.name === 'CancelPromptError')
  );
}
