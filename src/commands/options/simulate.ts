// `simulate`: its flags, and the options its action gets.
import type { Command } from 'commander';
import { connectionFlags, commandFlags } from './flags.js';
import { declareCommand } from './declare.js';

export interface SimulateOptions {
  fixture: string;
  port: number;
  /** ms added to every request */
  latency: number | undefined;
  color: boolean;
}

interface SimulateFlagValues {
  fixture: string;
  port: number;
  latency?: number;
  color: boolean;
}

export function declareSimulate(
  program: Command,
  action: (options: SimulateOptions) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'simulate',
    description: 'Run the GitLab simulator standalone on loopback; prints its URL and a token',
    options: [
      commandFlags.fixture(),
      commandFlags.port(),
      commandFlags.latency(),
      connectionFlags.noColor('plain output'),
    ],
    examples: [
      'migrate-clusters simulate                       # the built-in demo instance, any free port',
      'migrate-clusters simulate --fixture my-instance.json --port 8080 --latency 20',
    ],
  }).action((flags: SimulateFlagValues) =>
    action({
      fixture: flags.fixture,
      port: flags.port,
      latency: flags.latency,
      color: flags.color,
    }),
  );
}
