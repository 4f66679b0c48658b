// Which commands of a job talk to a Kubernetes cluster, and whether each one says which context
// (or kubeconfig) to use. With agents the job's KUBECONFIG has one context per agent and no
// current-context (Gitlab::Kubernetes::Kubeconfig::Template, lib/gitlab/kubernetes/kubeconfig/template.rb,
// only takes one from a certificate cluster's kubeconfig), so a client that relies on the current
// context fails.
import type { ShellCommand } from './shell-commands.js';

export type ClusterTool = 'kubectl' | 'helm' | 'helmfile';

export interface ClusterCommand {
  tool: ClusterTool;
  /** e.g. `kubectl apply`, `helm upgrade` */
  label: string;
  /** a flag on the command itself names the context, kubeconfig or API server */
  choosesContext: boolean;
}

/** Global flags that take the next word as their value, so it is not the subcommand. */
const VALUE_FLAGS: Record<ClusterTool, Set<string>> = {
  kubectl: new Set([
    '-n',
    '--namespace',
    '--context',
    '--kubeconfig',
    '--cluster',
    '--user',
    '-s',
    '--server',
    '--token',
    '--as',
    '--as-group',
    '--request-timeout',
    '--certificate-authority',
    '--client-certificate',
    '--client-key',
    '--tls-server-name',
    '--cache-dir',
    '-v',
  ]),
  helm: new Set([
    '-n',
    '--namespace',
    '--kube-context',
    '--kubeconfig',
    '--kube-apiserver',
    '--kube-token',
    '--kube-as-user',
    '--kube-ca-file',
    '--registry-config',
    '--repository-cache',
    '--repository-config',
  ]),
  helmfile: new Set([
    '-f',
    '--file',
    '-e',
    '--environment',
    '-n',
    '--namespace',
    '--kube-context',
    '-l',
    '--selector',
    '--state-values-set',
    '--state-values-file',
  ]),
};

/** Flags by which a command picks its own context, kubeconfig or API server. */
const CONTEXT_FLAGS: Record<ClusterTool, string[]> = {
  kubectl: ['--context', '--kubeconfig', '--server', '-s'],
  helm: ['--kube-context', '--kubeconfig', '--kube-apiserver'],
  helmfile: ['--kube-context'],
};

/** Subcommands that never contact a cluster. */
const OFFLINE: Record<ClusterTool, Set<string>> = {
  kubectl: new Set(['config', 'kustomize', 'completion', 'help', 'plugin']),
  helm: new Set([
    'template',
    'lint',
    'package',
    'repo',
    'dependency',
    'dep',
    'dependencies',
    'version',
    'push',
    'pull',
    'fetch',
    'registry',
    'plugin',
    'show',
    'inspect',
    'create',
    'env',
    'completion',
    'search',
    'verify',
    'help',
  ]),
  helmfile: new Set([
    'template',
    'lint',
    'build',
    'deps',
    'repos',
    'version',
    'write-values',
    'list',
    'init',
  ]),
};

const isTool = (name: string): name is ClusterTool =>
  name === 'kubectl' || name === 'helm' || name === 'helmfile';

const flagName = (arg: string) => arg.split('=')[0]!;

function subcommand(tool: ClusterTool, args: string[]): { name: string | null; index: number } {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) return { name: arg, index: i };
    if (!arg.includes('=') && VALUE_FLAGS[tool].has(arg)) i++;
  }
  return { name: null, index: args.length };
}

/** `kubectl config use-context NAME` (or its alias `use`): the context it selects. */
export function contextSelected(command: ShellCommand): string | null {
  if (command.name !== 'kubectl') return null;
  const sub = subcommand('kubectl', command.args);
  if (sub.name !== 'config') return null;
  const rest = command.args.slice(sub.index + 1).filter((a) => !a.startsWith('-'));
  return rest[0] === 'use-context' || rest[0] === 'use' ? (rest[1] ?? '') : null;
}

/** The command as a cluster client, or null when it is none or never contacts a cluster. */
export function clusterCommand(command: ShellCommand): ClusterCommand | null {
  if (!isTool(command.name)) return null;
  const tool = command.name;
  const sub = subcommand(tool, command.args);
  if (sub.name == null || OFFLINE[tool].has(sub.name)) return null;
  // `kubectl version --client` is offline; plain `kubectl version` asks the server.
  if (
    tool === 'kubectl' &&
    sub.name === 'version' &&
    command.args.some((a) => /^--client(=true)?$/.test(a))
  )
    return null;
  const choosesContext = command.args.some((a) => CONTEXT_FLAGS[tool].includes(flagName(a)));
  return { tool, label: `${tool} ${sub.name}`, choosesContext };
}
