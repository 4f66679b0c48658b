// A real exec credential plugin for tests: a shell script that prints an ExecCredential, as
// `aws eks get-token` or `kubelogin` do, and kubeconfigs whose users run it.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';

/** An exec credential plugin, as `aws eks get-token` or `kubelogin` are: prints an ExecCredential. */
export function execPluginScript(token: string): string {
  const credential = {
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token, expirationTimestamp: '2999-01-01T00:00:00Z' },
  };
  return `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(credential)}\nEOF\n`;
}

/** Writes the plugin `name` into `folder`, executable. */
export async function writePlugin(folder: string, name: string, token: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  const file = join(folder, name);
  await writeFile(file, execPluginScript(token));
  await chmod(file, 0o755);
}

/** A kubeconfig whose users get their credentials from exec plugins (servers on plain HTTP). */
export function execKubeconfig(
  contexts: { context: string; server: string; command: string; args?: string[] }[],
): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': contexts[0]!.context,
    clusters: contexts.map((c) => ({
      name: c.context,
      cluster: { server: c.server, 'insecure-skip-tls-verify': true },
    })),
    users: contexts.map((c) => ({
      name: c.context,
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: c.command,
          args: c.args ?? [],
          interactiveMode: 'Never',
        },
      },
    })),
    contexts: contexts.map((c) => ({
      name: c.context,
      context: { cluster: c.context, user: c.context },
    })),
  });
}
