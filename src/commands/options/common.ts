// What the flags every GitLab-facing command takes (connection, output) and the kube flags become:
// one normalisation each, so no command reads a raw flag or repeats a default.
import type { Option } from 'commander';
import type { ConnectionOptions } from '../../connection.js';
import { UserError } from '../../errors.js';
import { parseContextFor, parseSameCluster } from '../../flag-values.js';
import type { DataFormat } from '../../report/data-output.js';
import { connectionFlags } from './flags.js';

/** --no-color and --verbose, as createOutput takes them. */
export interface OutputChoice {
  color: boolean;
  verbose: boolean;
}

/** What every command that talks to GitLab gets. */
export interface GitLabCommandOptions {
  connection: ConnectionOptions;
  output: OutputChoice;
}

/** The connection and output flags as commander gives them (defaults filled in). */
export interface ConnectionFlagValues {
  gitlabUrl?: string;
  token?: string;
  demo?: boolean;
  concurrency: number;
  timeout: number;
  color: boolean;
  verbose?: boolean;
}

/** The connection and output flags, in the order --help lists them (after a command's own). */
export const connectionOptions = (): Option[] =>
  Object.values(connectionFlags).map((declare) => declare());

export function gitLabCommandOptions(flags: ConnectionFlagValues): GitLabCommandOptions {
  return {
    connection: {
      gitlabUrl: flags.gitlabUrl,
      token: flags.token,
      demo: flags.demo === true,
      concurrency: flags.concurrency,
      timeoutSeconds: flags.timeout,
    },
    output: { color: flags.color, verbose: flags.verbose === true },
  };
}

/** --json and -o: data for machines on stdout, or null for text (every command's default). */
export function dataFormatOf(flags: { json?: boolean; output?: DataFormat }): DataFormat | null {
  if (flags.json && flags.output && flags.output !== 'json')
    throw twoFormats('--json', `-o ${flags.output}`);
  return flags.json ? 'json' : (flags.output ?? null);
}

/** Two flags that each chose what stdout shows, differently. */
export const twoFormats = (one: string, other: string) =>
  new UserError(`${one} and ${other} ask for two formats.`, { hint: 'Give one of them.' });

/** Which kubeconfig, and the contexts the person chose: parsed once, before anything is read. */
export interface KubeOptions {
  kubeconfig: string | undefined;
  /** --context-for CLUSTER_ID=CONTEXT */
  contextFor: Record<number, string>;
  /** --same-cluster CLUSTER_ID */
  sameCluster: number[];
}

export interface KubeFlagValues {
  kubeconfig?: string;
  contextFor?: string[];
  sameCluster?: string[];
}

export function kubeOptions(flags: KubeFlagValues): KubeOptions {
  return {
    kubeconfig: flags.kubeconfig,
    contextFor: parseContextFor(flags.contextFor),
    sameCluster: parseSameCluster(flags.sameCluster),
  };
}
