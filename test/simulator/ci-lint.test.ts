// The CI lint API (lib/api/lint.rb) and the project fields a migration reads to find a project's CI
// configuration (`ci_config_path`, `auto_devops_enabled`), over real HTTP against the simulator.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
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

const API_CI = `include:
  - local: /ci/build.yml
variables:
  SHARED: from-root
build:
  stage: build
  script:
    - make release
`;

const BUILD_YML = `variables:
  SHARED: from-include
  ONLY_INCLUDED: "yes"
build:
  stage: build
  image: golang:1.22
  script:
    - make
lint:
  script: golangci-lint run
`;

/** The deploy jobs of Auto DevOps and the rule each one starts with. */
const K8S_RULE =
  '($CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == "") && ($KUBECONFIG == null || $KUBECONFIG == "")';
const DEPLOY_JOBS = [
  'review',
  'stop_review',
  'staging',
  'canary',
  'production',
  'production_manual',
];

/**
 * The small instance plus CI content:
 *   acme/payments/api (11, private)      .gitlab-ci.yml on master, another on `feature`; rita Reporter,
 *                                        gus Guest; ci/ holds files to include (some broken on purpose)
 *   acme/payments/custom (20)            ci_config_path ci/pipeline.yml, Auto DevOps on
 *   acme/payments/external (21)          ci_config_path pointing at another project, Auto DevOps off
 *   acme/payments/shared (22)            files other projects include
 *   globex/infra/terraform (13)          a file nobody but admins may include
 *   opensource/lib (16, public)          a plain .gitlab-ci.yml
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
  f.repositories = [
    {
      project: 'acme/payments/api',
      files: {
        '.gitlab-ci.yml': API_CI,
        'ci/build.yml': BUILD_YML,
        'ci/loop.yml': 'include: ci/loop.yml\nloop:\n  script: echo again\n',
        'ci/broken.yml': 'a: b: c\n',
        'ci/empty-map.yml': '{}\n',
        'ci/scalar.yml': 'just text\n',
        'ci/blank.yml': '\n',
      },
    },
    {
      project: 'acme/payments/api',
      branch: 'feature',
      files: { '.gitlab-ci.yml': 'feature_only:\n  script: echo feature\n' },
    },
    {
      project: 'acme/payments/custom',
      files: {
        'ci/pipeline.yml': 'custom_job:\n  script: echo custom\n',
        '.gitlab-ci.yml': 'not_used:\n  script: echo ignored\n',
      },
    },
    {
      project: 'acme/payments/external',
      files: { '.gitlab-ci.yml': 'not_used:\n  script: echo ignored\n' },
    },
    {
      project: 'acme/payments/shared',
      files: {
        'templates/deploy.yml': 'deploy_shared:\n  stage: deploy\n  script: ./deploy.sh\n',
        'templates/notify.yml': 'notify:\n  script: ./notify.sh\n',
        // a local include inside a project include is read from that project
        'templates/nested.yml': 'include: templates/deploy.yml\nnested:\n  script: echo nested\n',
      },
    },
    { project: 'globex/infra/terraform', files: { 'secret.yml': 'secret:\n  script: echo s\n' } },
    { project: 'opensource/lib', files: { '.gitlab-ci.yml': 'test:\n  script: make test\n' } },
  ];
  return f;
}

type Body = Record<string, unknown>;
interface Include {
  type: string;
  location: string;
  blob: string | null;
  raw: string | null;
  extra: Record<string, unknown>;
  context_project: string | null;
  context_sha: string | null;
}
interface Job {
  name: string;
  stage: string;
  script: string[];
  environment: string | null;
  [key: string]: unknown;
}
interface Lint {
  valid: boolean;
  errors: string[];
  warnings: string[];
  merged_yaml: string | null;
  includes: Include[] | null;
  jobs?: Job[];
}

const who = (o: { token: string } | null) => (o ? { token: o.token } : {});

/** GET /projects/:id/ci/lint */
async function getLint(project: string | number, query = '', as: { token: string } | null = dev) {
  const res = await call(sim, `/projects/${encodeURIComponent(project)}/ci/lint${query}`, who(as));
  return { status: res.status, body: res.json as Lint };
}

/** POST /projects/:id/ci/lint with `content` (and include_jobs unless told otherwise) */
async function postLint(
  content: string,
  as: { token: string } | null = dev,
  extra: Record<string, unknown> = { include_jobs: true },
  project: string | number = 11,
) {
  const res = await call(sim, `/projects/${encodeURIComponent(project)}/ci/lint`, {
    ...who(as),
    method: 'POST',
    body: { content, ...extra },
  });
  return { status: res.status, body: res.json as Lint };
}

/** The head commit of a branch, as the Branches API reports it. */
async function headOf(project: string, branch: string): Promise<string> {
  const res = await call(
    sim,
    `/projects/${encodeURIComponent(project)}/repository/branches/${branch}`,
    admin,
  );
  return ((res.json as Body)['commit'] as Body)['id'] as string;
}

const merged = (body: Lint) =>
  parse(body.merged_yaml ?? '') as Record<string, Record<string, unknown>>;
const jobNames = (body: Lint) => (body.jobs ?? []).map((j) => j.name);

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

describe('GET /projects/:id/ci/lint: which content', () => {
  it('answers 200 with GitLab’s "Please provide content" result when there is no CI file', async () => {
    const { status, body } = await getLint('acme/payments/core/ledger', '', admin);
    expect(status).toBe(200);
    // no Ci::Config was built, so merged_yaml and includes are null (YamlProcessor::Result#config_metadata)
    expect(body).toEqual({
      valid: false,
      errors: ['Please provide content of .gitlab-ci.yml'],
      warnings: [],
      merged_yaml: null,
      includes: null,
    });
    const withJobs = await getLint('acme/payments/core/ledger', '?include_jobs=true', admin);
    expect(withJobs.body.jobs).toEqual([]);
  });

  it('lints a plain file: merged_yaml is the configuration, includes is empty, jobs only on request', async () => {
    const { status, body } = await getLint(16, '', admin);
    expect(status).toBe(200);
    expect(body).toMatchObject({ valid: true, errors: [], warnings: [], includes: [] });
    expect(body.merged_yaml?.startsWith('---\n')).toBe(true);
    expect(merged(body)).toEqual({ test: { script: 'make test' } });
    expect(body).not.toHaveProperty('jobs');
    expect(jobNames((await getLint(16, '?include_jobs=true', admin)).body)).toEqual(['test']);
  });

  it('expands a local include: included keys first, the including file wins, hashes merge deeply', async () => {
    const { body } = await getLint(11, '?include_jobs=true');
    const sha = await headOf('acme/payments/api', 'master');
    expect(body.valid).toBe(true);
    const config = merged(body);
    expect(Object.keys(config)).toEqual(['variables', 'build', 'lint']);
    expect(config['variables']).toEqual({ SHARED: 'from-root', ONLY_INCLUDED: 'yes' });
    // the job keeps the included image, but its script array is the including file's
    expect(config['build']).toEqual({
      stage: 'build',
      image: 'golang:1.22',
      script: ['make release'],
    });
    expect(body.includes).toEqual([
      {
        type: 'local',
        location: 'ci/build.yml', // the leading slash is dropped, as Repository#blobs_at needs
        blob: `${sim.url}/acme/payments/api/-/blob/${sha}/ci/build.yml`,
        raw: `${sim.url}/acme/payments/api/-/raw/${sha}/ci/build.yml`,
        extra: {},
        context_project: 'acme/payments/api',
        context_sha: sha,
      },
    ]);
    expect(jobNames(body)).toEqual(['build', 'lint']); // build stage, then test
  });

  it('reads content_ref (or the deprecated sha) and 404s on an unknown one', async () => {
    const feature = await getLint(11, '?content_ref=feature&include_jobs=true');
    expect(jobNames(feature.body)).toEqual(['feature_only']);
    const sha = await headOf('acme/payments/api', 'feature');
    const bySha = await getLint(11, `?sha=${sha}&include_jobs=true`);
    expect(jobNames(bySha.body)).toEqual(['feature_only']);
    expect(bySha.body.includes).toEqual([]);

    const unknown = await call(sim, '/projects/11/ci/lint?content_ref=nope', dev);
    expect([unknown.status, unknown.json]).toEqual([404, { message: '404 Commit Not Found' }]);
    const both = await call(sim, `/projects/11/ci/lint?sha=${sha}&content_ref=${sha}`, dev);
    expect([both.status, both.json]).toEqual([
      400,
      { error: 'sha, content_ref are mutually exclusive' },
    ]);
    const bad = await call(sim, '/projects/11/ci/lint?include_jobs=maybe', dev);
    expect([bad.status, bad.json]).toEqual([400, { error: 'include_jobs is invalid' }]);
    // dry_run is accepted and answered with the static check (see routes/ci-lint.ts)
    const dryRun = await getLint(11, '?dry_run=true&dry_run_ref=master&include_jobs=true');
    expect(jobNames(dryRun.body)).toEqual(['build', 'lint']);
    const refs = await call(sim, '/projects/11/ci/lint?ref=master&dry_run_ref=master', dev);
    expect([refs.status, refs.json]).toEqual([
      400,
      { error: 'ref, dry_run_ref are mutually exclusive' },
    ]);
  });

  it('reads ci_config_path, and a path in another project is no content of this one', async () => {
    const custom = await getLint(20, '?include_jobs=true');
    expect(custom.body.valid).toBe(true);
    expect(jobNames(custom.body)).toEqual(['custom_job']);
    // `.gitlab-ci.yml@acme/payments/shared` is not a blob of project 21, although 21 has a .gitlab-ci.yml
    const external = await getLint(21);
    expect(external.body).toMatchObject({
      valid: false,
      errors: ['Please provide content of .gitlab-ci.yml'],
      merged_yaml: null,
    });
    sim.state.findProject('21')!.ciConfigPath = 'https://example.com/ci.yml';
    expect((await getLint(21)).body.errors).toEqual(['Please provide content of .gitlab-ci.yml']);
  });

  it('answers 404 Repository Not Found for an empty repository', async () => {
    const created = await call(sim, '/projects', {
      ...admin,
      method: 'POST',
      body: { name: 'Empty' },
    });
    const id = (created.json as Body)['id'] as number;
    const res = await call(sim, `/projects/${id}/ci/lint`, admin);
    expect([res.status, res.json]).toEqual([404, { message: '404 Repository Not Found' }]);
    // POST still lints, with no commit to read local files from
    const posted = await postLint('include: a.yml\njob:\n  script: x\n', admin, {}, id);
    expect(posted.body.errors).toEqual(['Local file `a.yml` does not exist!']);
  });
});

describe('ci/lint permissions', () => {
  it('GET needs read_code: Reporter on a private project; Guests get 403, strangers 404', async () => {
    expect((await getLint(11, '', rita)).body.valid).toBe(true);
    const guest = await call(sim, '/projects/11/ci/lint', gus);
    expect([guest.status, guest.json]).toEqual([403, { message: '403 Forbidden' }]);
    const stranger = await call(sim, '/projects/13/ci/lint', dev);
    expect([stranger.status, stranger.json]).toEqual([404, { message: '404 Project Not Found' }]);
    expect((await call(sim, '/projects/11/ci/lint')).status).toBe(404); // anonymous, private
    expect((await getLint(16, '', null)).body.valid).toBe(true); // anonymous, public
  });

  it('POST needs create_pipeline: Developer+', async () => {
    const content = 'job:\n  script: echo\n';
    expect((await postLint(content, rita)).status).toBe(403);
    expect((await postLint(content, gus)).status).toBe(403);
    expect((await postLint(content, dev)).body.valid).toBe(true);
    expect((await postLint(content, maria)).body.valid).toBe(true);
    expect((await postLint(content, null, {}, 16)).status).toBe(403); // anonymous, public project
    expect((await postLint(content, null, {}, 11)).status).toBe(404); // anonymous, private project
    const readOnly = await postLint(content, { token: TOKENS.adminReadApi });
    expect([readOnly.status, (readOnly.body as unknown as Body)['error']]).toEqual([
      403,
      'insufficient_scope',
    ]);
    const missing = await call(sim, '/projects/11/ci/lint', { ...dev, method: 'POST', body: {} });
    expect([missing.status, missing.json]).toEqual([400, { error: 'content is missing' }]);
  });
});

describe('POST /projects/:id/ci/lint: includes', () => {
  it('includes a file of another project, read at its default branch, with the file list expanded', async () => {
    const { body } = await postLint(
      'include:\n  - project: acme/payments/Shared\n    file: [templates/deploy.yml, /templates/notify.yml]\n',
    );
    expect(body.errors).toEqual([]);
    const shared = await headOf('acme/payments/shared', 'main');
    const api = await headOf('acme/payments/api', 'master');
    expect(body.includes).toEqual(
      ['templates/deploy.yml', 'templates/notify.yml'].map((file) => ({
        type: 'file',
        location: file,
        blob: `${sim.url}/acme/payments/shared/-/blob/${shared}/${file}`,
        raw: `${sim.url}/acme/payments/shared/-/raw/${shared}/${file}`,
        extra: { project: 'acme/payments/shared', ref: 'HEAD' }, // the name as GitLab downcases it
        context_project: 'acme/payments/api',
        context_sha: api,
      })),
    );
    expect(jobNames(body)).toEqual(['notify', 'deploy_shared']);
  });

  it('expands local wildcards against the files of the commit', async () => {
    const { body } = await postLint(
      "include: 'templates/*y.yml'\n",
      dev,
      { include_jobs: true },
      22,
    );
    expect(body.includes?.map((i) => i.location)).toEqual([
      'templates/deploy.yml',
      'templates/notify.yml',
    ]);
    expect(jobNames(body)).toEqual(['notify', 'deploy_shared']);
  });

  it('reads local includes of an included project from that project', async () => {
    const { body } = await postLint(
      'include:\n  - project: acme/payments/shared\n    ref: main\n    file: templates/nested.yml\n',
    );
    expect(body.errors).toEqual([]);
    const shared = await headOf('acme/payments/shared', 'main');
    expect(
      body.includes?.map((i) => [i.type, i.location, i.context_project, i.context_sha]),
    ).toEqual([
      [
        'file',
        'templates/nested.yml',
        'acme/payments/api',
        await headOf('acme/payments/api', 'master'),
      ],
      ['local', 'templates/deploy.yml', 'acme/payments/shared', shared],
    ]);
    expect(body.includes?.[0]?.extra).toEqual({ project: 'acme/payments/shared', ref: 'main' });
    expect(jobNames(body)).toEqual(['nested', 'deploy_shared']);
  });

  it('refuses projects the user cannot read, unknown refs and missing files with GitLab’s texts', async () => {
    const secret = 'include:\n  - project: globex/infra/terraform\n    file: secret.yml\n';
    expect((await postLint(secret)).body).toMatchObject({
      valid: false,
      errors: [
        'Project `globex/infra/terraform` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined.',
      ],
      merged_yaml: null,
      includes: null,
    });
    expect((await postLint(secret, admin)).body.valid).toBe(true);
    const ref = await postLint(
      'include:\n  project: acme/payments/shared\n  ref: nope\n  file: a.yml\n',
    );
    expect(ref.body.errors).toEqual([
      'Project `acme/payments/shared` reference `nope` does not exist!',
    ]);
    const file = await postLint('include:\n  project: acme/payments/shared\n  file: missing.yml\n');
    expect(file.body.errors).toEqual([
      'Project `acme/payments/shared` file `missing.yml` does not exist!',
    ]);
  });

  it('reports local, remote and template failures', async () => {
    const errorOf = async (content: string) => (await postLint(content)).body.errors;
    expect(await errorOf('include: nope.yml\n')).toEqual(['Local file `nope.yml` does not exist!']);
    expect(await errorOf('include: ci/blank.yml\n')).toEqual([
      'Local file `ci/blank.yml` is empty!',
    ]);
    expect(await errorOf('include: ci/notes.txt\n')).toEqual([
      'Included file `ci/notes.txt` does not have YAML extension!',
    ]);
    // a URL string is a remote include; the simulator cannot fetch anything
    expect(await errorOf('include: https://example.com/ci.yml\n')).toEqual([
      'Remote file `https://example.com/ci.yml` could not be fetched because of a socket error!',
    ]);
    expect(await errorOf('include:\n  remote: ftp.example.com/ci.yml\n')).toEqual([
      'Remote file `ftp.example.com/ci.yml` does not have a valid address!',
    ]);
    expect(await errorOf('include:\n  template: Nope.gitlab-ci.yml\n')).toEqual([
      'Included file `Nope.gitlab-ci.yml` is empty or does not exist!',
    ]);
    expect(await errorOf('include:\n  template: Jobs/Deploy.yml\n')).toEqual([
      'Template file `Jobs/Deploy.yml` is not a valid location!',
    ]);
    expect(await errorOf('include:\n  - file: a.yml\n')).toEqual([
      '`{"file":"a.yml"}` does not have a valid subkey for include. Valid subkeys are: `local`, `project`, `remote`, `template`, `artifact`, `component`',
    ]);
    expect(await errorOf('include:\n  local: a.yml\n  template: b.gitlab-ci.yml\n')).toEqual([
      'Each include must use only one of: `local`, `project`, `remote`, `template`, `artifact`, `component`',
    ]);
    expect(await errorOf('include: [42]\n')).toEqual(['Each include must be a hash or a string']);
  });

  it('stops an include cycle at 150 files', async () => {
    const { body } = await postLint('include: ci/loop.yml\n');
    expect(body.errors).toEqual(['Maximum of 150 nested includes are allowed!']);
  });

  it('reports YAML errors of included files', async () => {
    const errorOf = async (content: string) => (await postLint(content)).body.errors;
    const [broken] = await errorOf('include: ci/broken.yml\n');
    expect(broken).toMatch(/^`ci\/broken\.yml`: \(<unknown>\): .+ at line 1 column \d+$/);
    expect(await errorOf('include: ci/empty-map.yml\n')).toEqual([
      'Included file `ci/empty-map.yml` does not have valid YAML syntax!',
    ]);
    expect(await errorOf('include: ci/scalar.yml\n')).toEqual([
      '`ci/scalar.yml`: Invalid configuration format',
    ]);
  });

  it('includes the Auto DevOps template: its deploy jobs, environments and Kubernetes rule', async () => {
    const { body } = await postLint('include:\n  - template: Auto-DevOps.gitlab-ci.yml\n');
    expect(body.errors).toEqual([]);
    const jobs = new Map((body.jobs ?? []).map((j) => [j.name, j]));
    expect([...jobs.keys()].sort()).toEqual([...DEPLOY_JOBS].sort());
    expect(jobs.get('review')).toMatchObject({
      stage: 'review',
      environment: 'review/$CI_COMMIT_REF_NAME',
    });
    expect(jobs.get('stop_review')).toMatchObject({
      stage: 'cleanup',
      environment: 'review/$CI_COMMIT_REF_NAME',
    });
    expect(jobs.get('staging')?.environment).toBe('staging');
    for (const name of ['canary', 'production', 'production_manual'])
      expect(jobs.get(name)?.environment).toBe('production');
    expect(jobs.get('review')?.script.indexOf('auto-deploy use_kube_context || true')).toBeLessThan(
      jobs.get('review')?.script.indexOf('auto-deploy deploy') ?? -1,
    );

    const config = merged(body);
    for (const name of DEPLOY_JOBS) {
      const job = config[name] as { image: string; rules: unknown[] };
      expect(job.rules[0]).toEqual({ if: K8S_RULE, when: 'never' });
      expect(job.image).toBe(
        '${CI_TEMPLATE_REGISTRY_HOST}/gitlab-org/cluster-integration/auto-deploy-image:v2.118.0',
      );
    }
    expect(config['review']?.['environment']).toMatchObject({ on_stop: 'stop_review' });
    expect(config['stop_review']?.['environment']).toMatchObject({ action: 'stop' });
    // a template's own includes get an empty context (File::Base#expand_context_attrs)
    const api = await headOf('acme/payments/api', 'master');
    expect(body.includes).toEqual([
      {
        type: 'template',
        location: 'Auto-DevOps.gitlab-ci.yml',
        blob: null,
        raw: 'https://gitlab.com/gitlab-org/gitlab/-/raw/master/lib/gitlab/ci/templates/Auto-DevOps.gitlab-ci.yml',
        extra: {},
        context_project: 'acme/payments/api',
        context_sha: api,
      },
      {
        type: 'template',
        location: 'Jobs/Deploy.gitlab-ci.yml',
        blob: null,
        raw: 'https://gitlab.com/gitlab-org/gitlab/-/raw/master/lib/gitlab/ci/templates/Jobs/Deploy.gitlab-ci.yml',
        extra: {},
        context_project: null,
        context_sha: null,
      },
    ]);
  });

  it('rejects a Jobs/Deploy include without the Auto DevOps stages, as GitLab does', async () => {
    const { body } = await postLint('include:\n  - template: Jobs/Deploy.gitlab-ci.yml\n');
    expect(body.errors).toEqual([
      'review job: chosen stage review does not exist; available stages are .pre, build, test, deploy, .post',
    ]);
    expect(body.merged_yaml).not.toBeNull(); // a logical error: the configuration itself loaded
  });
});

describe('POST /projects/:id/ci/lint: extends and !reference', () => {
  it('resolves extends: bases in order, the child wins, arrays are replaced', async () => {
    const content = `.base:
  image: ruby:3.3
  variables: {A: base, B: base}
  script: [base-1, base-2]
  tags: [docker, linux]
.middle:
  extends: .base
  variables: {B: middle}
  tags: [middle]
.other:
  image: ruby:3.4
test:
  extends: [.middle, .other]
  variables: {C: test}
  script: [test-only]
`;
    const { body } = await postLint(content);
    expect(body.errors).toEqual([]);
    const config = merged(body);
    expect(config['test']).toEqual({
      image: 'ruby:3.4', // the later base wins
      variables: { A: 'base', B: 'middle', C: 'test' },
      script: ['test-only'],
      tags: ['middle'],
      extends: ['.middle', '.other'], // merged_yaml keeps the key
    });
    expect(Object.keys(config)).toEqual(['.base', '.middle', '.other', 'test']); // hidden jobs stay
    expect(body.jobs).toMatchObject([
      { name: 'test', script: ['test-only'], tag_list: ['middle'] },
    ]);
  });

  // Extendable::Entry::MAX_NESTING_LEVELS = 10: an entry with more than 10 ancestors may not extend
  it('follows a chain of 11 extends and refuses the 12th', async () => {
    const chain = (depth: number) =>
      'job:\n  extends: .e1\n' +
      Array.from({ length: depth }, (_, i) =>
        i + 1 < depth ? `.e${i + 1}:\n  extends: .e${i + 2}\n` : `.e${i + 1}:\n  script: deep\n`,
      ).join('');
    const ok = await postLint(chain(11));
    expect(ok.body.errors).toEqual([]);
    expect(ok.body.jobs?.[0]?.script).toEqual(['deep']);
    expect((await postLint(chain(12))).body.errors).toEqual([
      '.e11: nesting too deep in `extends`',
    ]);
  });

  it('reports unknown and circular bases', async () => {
    expect((await postLint('job:\n  extends: .nope\n  script: x\n')).body.errors).toEqual([
      'job: unknown keys in `extends` (.nope)',
    ]);
    const circular = 'job:\n  extends: .a\n  script: x\n.a:\n  extends: .b\n.b:\n  extends: .a\n';
    expect((await postLint(circular)).body.errors).toEqual([
      '.a: circular dependency detected in `extends`',
    ]);
  });

  it('resolves !reference tags after extends, and reports missing ones', async () => {
    const content = `.setup:
  script: [echo setup]
test:
  script:
    - !reference [.setup, script]
    - echo test
`;
    const { body } = await postLint(content);
    expect(body.jobs?.[0]?.script).toEqual(['echo setup', 'echo test']);
    expect(merged(body)['test']).toEqual({ script: [['echo setup'], 'echo test'] });
    const missing = await postLint('test:\n  script: !reference [.nope, script]\n');
    expect(missing.body.errors).toEqual(['!reference [".nope", "script"] could not be found']);
  });
});

describe('POST /projects/:id/ci/lint: validation and jobs', () => {
  it('returns a YAML syntax error as the only error, with no merged_yaml or includes', async () => {
    const { status, body } = await postLint('build:\n  script: [make\n');
    expect(status).toBe(200);
    expect(body).toMatchObject({ valid: false, merged_yaml: null, includes: null, jobs: [] });
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatch(/^\(<unknown>\): .+ at line \d+ column \d+$/);
    expect((await postLint('- just\n- a list\n')).body.errors).toEqual([
      'Invalid configuration format',
    ]);
    // max_yaml_depth (100) and alias expansion are refused like Config::Loader::Yaml's DeepSize check
    const deep = `job:\n  script: ${'['.repeat(120)}x${']'.repeat(120)}\n`;
    expect((await postLint(deep)).body.errors).toEqual(['The parsed YAML is too big']);
    const selfAlias = 'job: &job\n  script: [*job]\n';
    expect((await postLint(selfAlias)).body.errors).toEqual(['The parsed YAML is too big']);
  });

  it('keeps merged_yaml and includes when only the entries are invalid', async () => {
    const { body } = await postLint('include: ci/build.yml\ndeploy_prod:\n  stage: deploy\n');
    expect(body.valid).toBe(false);
    expect(body.errors).toEqual([
      'jobs deploy_prod config should implement the script:, run:, or trigger: keyword',
    ]);
    expect(body.includes).toHaveLength(1);
    expect(Object.keys(merged(body))).toEqual(['variables', 'build', 'lint', 'deploy_prod']);
    expect(body.jobs).toEqual([]); // jobs only for a valid configuration
    expect((await postLint('.hidden:\n  script: x\n')).body.errors).toEqual([
      'jobs config should contain at least one visible job',
    ]);
  });

  it('adds .pre and .post to an explicit stage list and checks job stages and needs', async () => {
    const { body } = await postLint(
      'stages: [build, deploy]\nship:\n  stage: deploy\n  script: x\n',
    );
    expect(merged(body)['stages']).toEqual(['.pre', 'build', 'deploy', '.post']);
    const needs = await postLint(
      'build:\n  stage: build\n  script: x\n  needs: [test]\ntest:\n  script: y\n',
    );
    expect(needs.body.errors).toEqual([
      'build job: need test is not defined in current or prior stages',
    ]);
    const undefinedNeed = await postLint('test:\n  script: y\n  needs: [ghost]\n');
    expect(undefinedNeed.body.errors).toEqual(['test job: undefined need: ghost']);
  });

  it('warns about rules ending in a bare when without workflow rules', async () => {
    const { body } = await postLint('job:\n  script: ls\n  rules:\n    - when: always\n');
    expect(body.valid).toBe(true);
    expect(body.warnings).toHaveLength(1);
    expect(body.warnings[0]).toMatch(
      /^jobs:job may allow multiple pipelines to run for a single action due to `rules:when` clause with no `workflow:rules`/,
    );
    const withWorkflow =
      'workflow:\n  rules:\n    - when: always\njob:\n  script: ls\n  rules:\n    - when: always\n';
    expect((await postLint(withWorkflow)).body.warnings).toEqual([]);
  });

  it('returns jobs in the static-mode shape of Gitlab::Ci::Lint', async () => {
    const content = `default:
  before_script: [echo default-before]
  tags: [shared]
stages: [build, deploy]
compile:
  stage: build
  script: make
deploy:
  stage: deploy
  script: [./deploy.sh]
  after_script: [echo done]
  environment:
    name: production
    url: https://example.com
  only: [main]
  except:
    variables: [$SKIP]
  when: manual
  needs:
    - compile
    - job: compile-docs
      optional: true
  inherit:
    default: false
`;
    const { body } = await postLint(content);
    expect(body.errors).toEqual([]);
    const [compile, deploy] = body.jobs ?? [];
    expect(Object.keys(compile ?? {})).toEqual([
      'name',
      'stage',
      'before_script',
      'script',
      'after_script',
      'tag_list',
      'only',
      'except',
      'environment',
      'when',
      'allow_failure',
      'needs',
    ]);
    expect(compile).toEqual({
      name: 'compile',
      stage: 'build',
      before_script: ['echo default-before'],
      script: ['make'],
      after_script: [],
      tag_list: ['shared'],
      only: { refs: ['branches', 'tags'] },
      except: null,
      environment: null,
      when: 'on_success',
      allow_failure: false,
      needs: null,
    });
    expect(deploy).toEqual({
      name: 'deploy',
      stage: 'deploy',
      before_script: [], // inherit: default: false
      script: ['./deploy.sh'],
      after_script: ['echo done'],
      tag_list: [],
      only: { refs: ['main'] },
      except: { variables: ['$SKIP'] },
      environment: 'production',
      when: 'manual',
      allow_failure: true, // manual jobs may fail unless they say otherwise
      needs: [
        { name: 'compile', artifacts: true, optional: false },
        { name: 'compile-docs', artifacts: true, optional: true },
      ],
    });
  });
});
