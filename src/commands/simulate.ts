// `migrate-clusters simulate`: the GitLab simulator as a standalone server, for trying the CLI
// (or any GitLab client) against a fixture. Runs until interrupted.
import { ExitCode, UserError } from '../errors.js';
import { createOutput } from '../output.js';
import { demoFixturePath } from '../paths.js';
import { loadFixture } from '../simulator/gitlab/load-fixture.js';
import { startGitLabSimulator } from '../simulator/gitlab/server.js';
import type { SimulateOptions } from './options/simulate.js';

export async function runSimulate(options: SimulateOptions): Promise<ExitCode> {
  const out = createOutput({ color: options.color });
  // `demo` names the built-in instance (the one --demo runs against)
  const fixture = await loadFixture(options.fixture === 'demo' ? demoFixturePath : options.fixture);
  const simulator = await startGitLabSimulator({
    fixture,
    port: options.port,
    ...(options.latency ? { faults: { latencyMs: options.latency } } : {}),
  }).catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES')
      throw new UserError(
        code === 'EADDRINUSE'
          ? `Port ${options.port} on 127.0.0.1 is in use.`
          : `Port ${options.port} on 127.0.0.1 needs privileges this user does not have.`,
        { hint: 'Pick another with --port N, or --port 0 for any free port.' },
      );
    throw error;
  });
  const token = fixture.tokens[0];
  // Printing this token is the point of the command: it is the fixture's fake token, made for
  // talking to the simulator, not a secret of anybody's GitLab.
  out.result(`GitLab simulator (GitLab ${fixture.instance.version}) listening on ${simulator.url}`);
  if (token) out.result(`Token (${token.user}, ${token.scopes.join(',')}): ${token.token}`);
  out.result('');
  out.result(`  export GITLAB_URL=${simulator.url}${token ? ` GITLAB_TOKEN=${token.token}` : ''}`);
  out.result('  npx migrate-clusters inventory');
  out.info(out.color.dim('Press Ctrl-C to stop.'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulator.close();
  return ExitCode.ok;
}
