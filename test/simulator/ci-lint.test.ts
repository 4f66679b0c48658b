// The CI lint API (lib/api/lint.rb) and the project fields a migration reads to find a project's CI
// configuration (`ci_config_path`, `auto_devops_enabled`), over real HTTP against the simulator.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { call } from './helpers.js';
import { smallFixture, TOKENS } from './small-fixture.js';

const REPORTER_TOKEN = 'glpat-test-rita-reporter-0000000000';
const GUEST_TOKEN = 'glpat-test-gus-guest-0000000000000';

const admin = { token: TOKENS.adminApi };
const maria = { token: TOKENS.maintainerApi }; // Maintainer of acme/payments
const dev = { token: TOKENS.developerApi }; // Developer of acme (and so of everything below it)
const rita = { token: REPORTER_TOKEN }; // Reporter of acme/payments/api
const gus = { token: GUEST_TOKEN }; // Guest of acme/payments/api

/**
 * The small instance plus CI content:
 *   acme/payments/api (11, private)      .gitlab-ci.yml on master; rita Reporter, gus Guest
 *   acme/payments/custom (20)            ci_config_path ci/pipeline.yml, Auto DevOps on
 *   acme/payments/external (21)          ci_config_path pointing at another project, Auto DevOps off
 *   acme/payments/shared (22)            files other projects include
 */
function fixture(): GitLabFixture {
  const f = smallFixture();
  f.users.push(
    { id: 8, username: 'rita', name: 'Rita Reporter', admin: false },
    { id: 9, username: 'gus', name: 'Gus Guest', admin: false },
  );
  f.tokens.push(
    { token: REPORTER_TOKEN, user: 'rita', scopes: ['api'] },
    { token: GUEST_TOKEN, user: 'gus', scopes: ['api'] },
  );
  f.projects.push(
    {
      id: 20,
      path: 'custom',
      name: 'Custom',
      namespace: 'acme/payments',
      ci_config_path: 'ci/pipeline.yml',
      auto_devops_enabled: true,
    },
    {
      id: 21,
      path: 'external',
      name: 'External',
      namespace: 'acme/payments',
      ci_config_path: '.gitlab-ci.yml@acme/payments/shared',
      auto_devops_enabled: false,
    },
    { id: 22, path: 'shared', name: 'Shared', namespace: 'acme/payments' },
  );
  f.members.push(
    { user: 'rita', source: 'acme/payments/api', access_level: 20 },
    { user: 'gus', source: 'acme/payments/api', access_level: 10 },
  );
  return f;
}

type Body = Record<string, unknown>;

let sim: GitLabSimulator;
beforeEach(async () => {
  sim = await startGitLabSimulator({ fixture: fixture() });
});
afterEach(async () => {
  await sim.close();
});

describe('project entity: CI fields', () => {
  it('shows ci_config_path to readers of the code and the Auto DevOps fields to Maintainers only', async () => {
    const asMaintainer = (await call(sim, '/projects/20', maria)).json as Body;
    expect(asMaintainer).toMatchObject({
      ci_config_path: 'ci/pipeline.yml',
      auto_devops_enabled: true,
      auto_devops_deploy_strategy: 'continuous',
    });
    const asDeveloper = (await call(sim, '/projects/20', dev)).json as Body;
    expect(asDeveloper['ci_config_path']).toBe('ci/pipeline.yml');
    expect(asDeveloper).not.toHaveProperty('auto_devops_enabled');
    expect(asDeveloper).not.toHaveProperty('auto_devops_deploy_strategy');

    // unset: null, not absent; a Reporter can read the code of a private project, a Guest cannot
    const asReporter = (await call(sim, '/projects/11', rita)).json as Body;
    expect(asReporter).toHaveProperty('ci_config_path', null);
    expect(asReporter).not.toHaveProperty('auto_devops_enabled');
    const asGuest = (await call(sim, '/projects/11', gus)).json as Body;
    expect(asGuest).not.toHaveProperty('ci_config_path');
    expect(asGuest['name']).toBe('API');
  });

  it('inherits auto_devops_enabled from the instance unless the project sets it', async () => {
    const byId = async (id: number) => (await call(sim, `/projects/${id}`, admin)).json as Body;
    expect((await byId(11))['auto_devops_enabled']).toBe(false);
    expect((await byId(20))['auto_devops_enabled']).toBe(true);
    sim.state.instance.auto_devops_enabled = true;
    expect((await byId(11))['auto_devops_enabled']).toBe(true);
    expect((await byId(21))['auto_devops_enabled']).toBe(false); // its own setting wins
  });

  it('applies the same rules to group project lists', async () => {
    const list = (await call(sim, '/groups/acme%2Fpayments/projects', dev)).json as Body[];
    const custom = list.find((p) => p['id'] === 20);
    expect(custom).toMatchObject({ ci_config_path: 'ci/pipeline.yml' });
    expect(custom).not.toHaveProperty('auto_devops_enabled');
    const asMaintainer = (await call(sim, '/groups/acme%2Fpayments/projects', maria))
      .json as Body[];
    expect(asMaintainer.find((p) => p['id'] === 21)).toMatchObject({
      ci_config_path: '.gitlab-ci.yml@acme/payments/shared',
      auto_devops_enabled: false,
    });
  });
});
