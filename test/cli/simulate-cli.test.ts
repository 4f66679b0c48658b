// @module-tag slow
// `simulate`: the GitLab simulator as its own process, reachable by the CLI like any GitLab.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { demoFixturePath } from '../../src/paths.js';
import { binPath, isOneClearLine, runCli } from '../helpers/run-cli.js';

describe('migrate-clusters simulate', () => {
  it.each([
    ['a fixture file', ['--fixture', demoFixturePath]],
    ['the built-in demo by name, without latency', ['--fixture', 'demo', '--latency', '0']],
    ['the built-in demo by default', []],
  ])('serves %s until interrupted; inventory works against it', async (_what, args) => {
    const child = spawn(process.execPath, [binPath, 'simulate', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    try {
      const exported = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = /export (GITLAB_URL=\S+ GITLAB_TOKEN=\S+)/.exec(out);
          if (line) resolve(line[1]!);
        });
        child.on('exit', () => reject(new Error(`simulate exited early: ${out}`)));
      });
      const env = Object.fromEntries(
        exported.split(' ').map((kv) => kv.split('=') as [string, string]),
      );
      const inventory = await runCli(['inventory', '--json'], env);
      expect(inventory.code, inventory.stderr).toBe(0);
      const parsed = JSON.parse(inventory.stdout) as { clusters: unknown[] };
      expect(parsed.clusters).toHaveLength(15);
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });

  it('a port in use: one clear line that says to pick another, no stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = busy.address() as AddressInfo;
      const r = await runCli(['simulate', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toContain(`Port ${port} on 127.0.0.1 is in use.`);
      expect(r.stderr).toContain('--port 0');
      expect(r.stderr).not.toContain('internal error');
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('refuses a negative latency in one line', async () => {
    const r = await runCli(['simulate', '--latency', '-5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--latency must be a whole number (0 or more).');
  });

  it('a missing fixture file: one clear line, exit 1', async () => {
    const r = await runCli(['simulate', '--fixture', 'no/such/fixture.json']);
    expect(r.code).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
  });
});
