import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { loadFixture } from '../../src/simulator/gitlab/load-fixture.js';
import { startGitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { smallFixture } from './small-fixture.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-fixture-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** loadFixture must reject with a one-line UserError that names the file */
async function failure(file: string): Promise<string> {
  const error = await loadFixture(file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  const message = (error as UserError).message;
  expect(message).not.toContain('\n');
  expect(message.startsWith(`Fixture ${file}: `)).toBe(true);
  return message.slice(`Fixture ${file}: `.length);
}

describe('loadFixture', () => {
  it('loads a valid fixture unchanged', async () => {
    const file = await write('ok.json', smallFixture());
    expect(await loadFixture(file)).toEqual(smallFixture());
  });

  it('reports a missing file', async () => {
    expect(await failure(join(dir, 'nope.json'))).toBe('file not found');
  });

  it('reports invalid JSON', async () => {
    expect(await failure(await write('bad.json', '{"instance": {'))).toMatch(/^not valid JSON \(/);
  });

  it('reports missing keys and wrongly typed fields', async () => {
    const noClusters: Partial<GitLabFixture> = smallFixture();
    delete noClusters.clusters;
    expect(await failure(await write('no-clusters.json', noClusters))).toBe(
      'missing required key "clusters"',
    );
    const badVisibility = smallFixture();
    (badVisibility.projects[0] as { visibility: string }).visibility = 'secret';
    expect(await failure(await write('bad-vis.json', badVisibility))).toBe(
      'projects[0] has an invalid "visibility": "secret"',
    );
    const noVersion = smallFixture() as unknown as { instance: Record<string, unknown> };
    delete noVersion.instance['version'];
    expect(await failure(await write('no-version.json', noVersion))).toBe(
      'instance is missing "version"',
    );
  });

  it('reports dangling references', async () => {
    const cases: [string, (f: ReturnType<typeof smallFixture>) => void, string][] = [
      [
        'namespace',
        (f) => f.projects.push({ id: 99, path: 'x', name: 'X', namespace: 'acme/nope' }),
        'project "x" (id 99) has namespace "acme/nope", which is neither a group nor a username',
      ],
      [
        'parent',
        (f) => f.groups.push({ id: 99, path: 'orphan', name: 'Orphan', parent: 'missing' }),
        'group "orphan" (id 99) has parent "missing", which is not a group',
      ],
      [
        'member',
        (f) => f.members.push({ user: 'maria', source: 'ghost/town', access_level: 30 }),
        'membership of "maria" in "ghost/town", which is neither a group nor a project',
      ],
      [
        'owner',
        (f) => ((f.clusters[0] as { owner: string }).owner = 'acme/ghost'),
        'cluster "payments-api" (id 1) has owner "acme/ghost", which is not a project',
      ],
      [
        'token',
        (f) => ((f.tokens[0] as { user: string }).user = 'nobody'),
        'token #1 belongs to unknown user "nobody"',
      ],
    ];
    for (const [name, mutate, message] of cases) {
      const fixture = smallFixture();
      mutate(fixture);
      expect(await failure(await write(`${name}.json`, fixture))).toBe(message);
    }
  });

  it('makes startGitLabSimulator refuse the same broken fixtures', async () => {
    const fixture = smallFixture();
    fixture.groups.push({ id: 2, path: 'dup', name: 'Dup', parent: null });
    await expect(startGitLabSimulator({ fixture })).rejects.toThrow(
      new UserError('duplicate group id 2'),
    );
  });
});
