// Loads the user's kubeconfig the way kubectl does (--kubeconfig, else every file in KUBECONFIG,
// else ~/.kube/config), and builds one KubeConfig per target context.
//
// NOTE: client-node's own loader differs from kubectl in two ways that matter here: mergeConfig
// throws on a name defined in two KUBECONFIG files (kubectl keeps the first), and with no
// kubeconfig at all it silently talks to http://localhost:8080. Neither may reach the user.
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import YAML from 'yaml';
import { UserError } from '../errors.js';
import { registerSecret } from '../redact.js';

export interface LoadedKubeconfig {
  /** every file's clusters, users and contexts, merged with kubectl's rules */
  config: KubeConfig;
  /** the files read, in order */
  files: string[];
  /** entries defined again in a later file and ignored, as kubectl does: `context "x" (file)` */
  shadowed: string[];
}

export interface KubeconfigOptions {
  /** --kubeconfig FILE */
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  /** where ~/.kube/config lives (default: $HOME, else the OS home directory) */
  homeDir?: string;
}

const exists = (file: string) => {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
};

/** Which files to read: kubectl's precedence. Missing files in KUBECONFIG are skipped, as kubectl does. */
function kubeconfigFiles(options: KubeconfigOptions): string[] {
  const env = options.env ?? process.env;
  if (options.kubeconfig != null && options.kubeconfig !== '') {
    const file = resolve(options.kubeconfig);
    if (!exists(file)) {
      throw new UserError(`The kubeconfig file ${options.kubeconfig} does not exist.`, {
        hint: 'Check the --kubeconfig path.',
      });
    }
    return [file];
  }
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (listed.length > 0) {
    const found = [...new Set(listed.map((file) => resolve(file)))].filter(exists);
    if (found.length === 0) {
      throw new UserError(
        `No kubeconfig found: none of the files in KUBECONFIG exist (${listed.join(delimiter)}).`,
        { hint: 'Point KUBECONFIG at your kubeconfig file, or pass --kubeconfig FILE.' },
      );
    }
    return found;
  }
  const home = options.homeDir ?? (env.HOME || homedir());
  const file = join(home, '.kube', 'config');
  if (!exists(file)) {
    throw new UserError(`No kubeconfig found: ${file} does not exist and KUBECONFIG is not set.`, {
      hint: 'Pass --kubeconfig FILE or set KUBECONFIG to a kubeconfig with a context for each cluster.',
    });
  }
  return [file];
}

/** One file through client-node's own parser (exec, auth-provider…), with one-line errors. */
function readKubeconfigFile(file: string): KubeConfig {
  const bad = (reason: string) =>
    new UserError(`Cannot read the kubeconfig ${file}: ${reason}.`, {
      hint: 'Fix the file (kubectl config view shows what kubectl makes of it), or pass another one with --kubeconfig.',
    });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw bad((error as NodeJS.ErrnoException).code ?? String(error));
  }
  const config = new KubeConfig();
  // kubectl accepts an empty file as an empty config; client-node would crash on it.
  if (text.trim() === '') return config;
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (error) {
    throw bad(`invalid YAML (${firstLine(error)})`);
  }
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw bad('not a kubeconfig (expected a mapping with clusters, users and contexts)');
  try {
    config.loadFromString(text);
  } catch (error) {
    throw bad(firstLine(error));
  }
  config.makePathsAbsolute(dirname(file));
  config.users = config.users.map((user) => withExecCommandBeside(user, dirname(file)));
  return config;
}

/**
 * kubectl runs a relative exec plugin command that contains a path separator (`./plugin.sh`,
 * `bin/aws-iam-authenticator`) from the directory of the kubeconfig file that defines the user,
 * and looks a bare name (`gke-gcloud-auth-plugin`) up in PATH: client-go's
 * clientcmd.GetAuthInfoFileReferences (tools/clientcmd/loader.go) adds Exec.Command to the paths
 * it resolves against that file's directory only `if strings.ContainsRune(Exec.Command,
 * filepath.Separator)`. client-node's makePathsAbsolute leaves the command alone, and its ExecAuth
 * spawns it from the current directory, so the same kubeconfig worked with kubectl and failed here.
 */
function withExecCommandBeside(user: User, directory: string): User {
  const exec = user.exec as { command?: unknown } | undefined;
  const command = exec?.command;
  if (typeof command !== 'string' || !command.includes(sep) || isAbsolute(command)) return user;
  return { ...user, exec: { ...exec, command: join(directory, command) } };
}

/**
 * Every credential a kubeconfig user holds, as a secret: a static token, a basic-auth password
 * (and the base64 the Authorization header carries), a client key, and an auth provider's tokens
 * and client secret (OIDC keeps id-token, refresh-token and client-secret in its config). Tokens an
 * exec plugin or auth provider makes later are registered when a request carries them
 * (src/kube/clients.ts guardCredentials).
 */
function registerUserSecrets(user: User): void {
  registerSecret(user.token);
  registerSecret(user.password);
  if (user.username && user.password)
    registerSecret(Buffer.from(`${user.username}:${user.password}`).toString('base64'));
  if (user.keyData) {
    registerSecret(user.keyData);
    registerSecret(Buffer.from(user.keyData, 'base64').toString('utf8'));
  }
  const secretName = /token|secret|password|key/i;
  const providerConfig = (user.authProvider as { config?: unknown } | undefined)?.config;
  if (providerConfig != null && typeof providerConfig === 'object')
    for (const [key, value] of Object.entries(providerConfig as Record<string, unknown>))
      if (typeof value === 'string' && secretName.test(key)) registerSecret(value);
  // an exec plugin's environment may hand it a secret (AWS_SECRET_ACCESS_KEY, a vault token)
  const env = (user.exec as { env?: unknown } | undefined)?.env;
  if (Array.isArray(env))
    for (const entry of env as { name?: unknown; value?: unknown }[])
      if (typeof entry.name === 'string' && typeof entry.value === 'string')
        if (secretName.test(entry.name)) registerSecret(entry.value);
}

const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/[.:]$/, '');

/** Reads the kubeconfig files and merges them: the first definition of a name wins, as in kubectl. */
export function loadKubeconfig(options: KubeconfigOptions = {}): LoadedKubeconfig {
  const files = kubeconfigFiles(options);
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  const shadowed: string[] = [];
  let currentContext: string | undefined;
  for (const file of files) {
    const config = readKubeconfigFile(file);
    const keepFirst = <T extends { name: string }>(
      kind: string,
      into: Map<string, T>,
      items: T[],
    ) => {
      for (const item of items) {
        if (into.has(item.name)) shadowed.push(`${kind} "${item.name}" (${file})`);
        else into.set(item.name, item);
      }
    };
    keepFirst('cluster', clusters, config.getClusters());
    keepFirst('user', users, config.getUsers());
    // Kubeconfig credentials are secrets too: keep them out of anything printed.
    for (const user of config.getUsers()) registerUserSecrets(user);
    keepFirst('context', contexts, config.getContexts());
    // kubectl: the first file that sets current-context wins.
    if (currentContext === undefined && config.getCurrentContext())
      currentContext = config.getCurrentContext();
  }
  if (contexts.size === 0) {
    throw new UserError(`The kubeconfig (${files.join(', ')}) has no contexts.`, {
      hint: 'Add a context for each cluster (kubectl config set-context), or pass another file with --kubeconfig.',
    });
  }
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return { config, files, shadowed };
}

/**
 * client-node's `loadFromDefault` falls back to an unauthenticated http://localhost:8080 when it
 * finds no kubeconfig. Call this on any KubeConfig loaded that way before trusting it.
 */
export function assertKubeconfigFound(config: KubeConfig): void {
  const cluster = config.getCurrentCluster();
  if (
    config.getCurrentContext() === 'loaded-context' &&
    cluster?.server === 'http://localhost:8080'
  ) {
    throw new UserError(
      'No kubeconfig found (the Kubernetes client fell back to http://localhost:8080).',
      {
        hint: 'Pass --kubeconfig FILE or set KUBECONFIG to a kubeconfig with a context for each cluster.',
      },
    );
  }
}

export function contextNames(loaded: LoadedKubeconfig): string[] {
  return loaded.config
    .getContexts()
    .map((context) => context.name)
    .sort();
}

/** A UserError for a context name the kubeconfig does not define, listing the ones it does. */
export function unknownContextError(
  name: string,
  loaded: LoadedKubeconfig,
  flag?: string,
): UserError {
  const names = contextNames(loaded);
  return new UserError(`${flag ? `${flag}: ` : ''}the kubeconfig has no context "${name}".`, {
    hint: `Available contexts: ${names.join(', ')}.`,
  });
}

function overrideServer(cluster: Cluster, server: string): Cluster {
  // client-node refuses plain http:// unless TLS verification is off; a plain-HTTP stand-in on
  // loopback has no TLS to verify.
  if (server.startsWith('http:')) return { ...cluster, server, skipTLSVerify: true };
  return { ...cluster, server };
}

/**
 * A new KubeConfig holding just one context (its cluster and user), which is current. Clients
 * made from it keep talking to that cluster: client-node reads the current context on every
 * request, so switching contexts on a shared KubeConfig would redirect existing clients.
 * `serverOverride` sends the requests elsewhere while keeping the context's credentials (the demo
 * routes real-looking API URLs to local simulators); an http:// override turns TLS verification off.
 */
export function kubeConfigForContext(
  loaded: LoadedKubeconfig,
  contextName: string,
  options: { serverOverride?: string } = {},
): KubeConfig {
  const context = loaded.config.getContextObject(contextName);
  if (!context) throw unknownContextError(contextName, loaded);
  const cluster = loaded.config.getCluster(context.cluster);
  if (!cluster) {
    throw new UserError(
      `The kubeconfig context "${contextName}" names the cluster "${context.cluster}", which the kubeconfig does not define.`,
      {
        hint: 'Fix the context (kubectl config set-context) or choose another with --context-for.',
      },
    );
  }
  const user = context.user ? loaded.config.getUser(context.user) : null;
  if (context.user && !user) {
    throw new UserError(
      `The kubeconfig context "${contextName}" names the user "${context.user}", which the kubeconfig does not define.`,
      {
        hint: 'Fix the context (kubectl config set-context) or choose another with --context-for.',
      },
    );
  }
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      options.serverOverride ? overrideServer(cluster, options.serverOverride) : { ...cluster },
    ],
    // A context without a user talks to the cluster anonymously, as in kubectl.
    users: user ? [{ ...user }] : [],
    contexts: [{ ...context }],
    currentContext: contextName,
  });
  return config;
}
