import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { PLAN_REPORT_NAMES } from '../../src/report/write-reports.js';

const source = readFileSync(
  new URL('../../templates/gitlab-ci/migrate-clusters.gitlab-ci.yml', import.meta.url),
  'utf8',
);

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

interface Job {
  image: { name: string; entrypoint: string[] };
  variables: Record<string, string>;
  script: string[];
  allow_failure: { exit_codes: number[] };
  rules: { if: string }[];
  artifacts: {
    when: string;
    expose_as: string;
    paths: string[];
    reports: { junit: string };
  };
}

describe('templates/gitlab-ci/migrate-clusters.gitlab-ci.yml', () => {
  const document = parseDocument(source, { prettyErrors: true });
  const config = document.toJS() as Record<string, Job>;
  const job = config['migrate-clusters:plan']!;

  it('is valid YAML with a single job and nothing global to leak into the including project', () => {
    expect(document.errors).toEqual([]);
    expect(Object.keys(config)).toEqual(['migrate-clusters:plan']);
  });

  it('runs the dry-run plan with a pinnable version and the reports directory', () => {
    // node:20 unless MIGRATE_CLUSTERS_IMAGE names an image built from the Dockerfile, whose
    // entrypoint (migrate-clusters) would otherwise swallow the runner's shell
    expect(job.image).toEqual({ name: '$MIGRATE_CLUSTERS_IMAGE', entrypoint: [''] });
    expect(job.variables['MIGRATE_CLUSTERS_IMAGE']).toBe('node:20');
    const command = job.script.at(-1)!;
    expect(command).toContain('npx --yes "migrate-clusters@${MIGRATE_CLUSTERS_VERSION}"');
    expect(command).toContain('"$@" plan --report-dir reports');
    expect(command).toContain('--detailed-exitcode');
    expect(command).not.toMatch(/\b(apply|migrate|rollback)\b(?!-)/);
  });

  it('takes the instance from CI and the token from a dedicated variable', () => {
    expect(job.variables).toMatchObject({
      GITLAB_URL: '$CI_SERVER_URL',
      GITLAB_TOKEN: '$MIGRATE_CLUSTERS_TOKEN',
    });
    // Pinned to this release, so a release cannot ship a template that runs another version.
    expect(job.variables['MIGRATE_CLUSTERS_VERSION']).toBe(pkg.version);
    expect(source).toContain(`migrate-clusters:${pkg.version}"`);
    // Every variable is explained by a comment just above it.
    for (const key of Object.keys(job.variables)) {
      expect(source, key).toMatch(new RegExp(`#.*\\n\\s+${key}:`));
    }
  });

  it('shows pending work (exit 2) as a warning, not a failed pipeline', () => {
    expect(job.allow_failure).toEqual({ exit_codes: [2] });
  });

  it('runs on schedules, merge requests and manual web runs', () => {
    expect(job.rules.map((r) => r.if)).toEqual([
      '$CI_PIPELINE_SOURCE == "schedule"',
      '$CI_PIPELINE_SOURCE == "merge_request_event"',
      '$CI_PIPELINE_SOURCE == "web"',
    ]);
  });

  it('always keeps the reports, with the JUnit file the plan command writes', () => {
    const { artifacts } = job;
    expect(artifacts.when).toBe('always');
    expect(artifacts.reports.junit).toBe(`reports/${PLAN_REPORT_NAMES.junit}`);
    // GitLab only exposes a directory in the merge request with a trailing slash.
    expect(artifacts.paths).toEqual(['reports/']);
    // GitLab's Ci::Config::Entry::Artifacts::EXPOSE_AS_REGEX.
    expect(artifacts.expose_as).toMatch(/^\w[-\w ]*$/);
  });

  it(
    'runs migrate-clusters from the image when it is on PATH, else the pinned version with npx',
    { tags: ['slow'] },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mc-ci-template-'));
      try {
        // stand-ins that say how they were called; PATH holds nothing else
        const fake = async (bin: string, name: string) => {
          await writeFile(join(dir, bin, name), `#!/bin/sh\necho "${name} $*"\n`);
          await chmod(join(dir, bin, name), 0o755);
        };
        const run = async (bin: string) => {
          const { stdout } = await promisify(execFile)('/bin/sh', ['-c', job.script.at(-1)!], {
            env: {
              PATH: join(dir, bin),
              MIGRATE_CLUSTERS_VERSION: job.variables['MIGRATE_CLUSTERS_VERSION'],
              MIGRATE_CLUSTERS_PLAN_ARGS: '--group platform --tier premium',
            },
          });
          return stdout;
        };
        await mkdir(join(dir, 'image'));
        await mkdir(join(dir, 'node'));
        await fake('image', 'migrate-clusters');
        await fake('image', 'npx');
        await fake('node', 'npx');
        const args =
          'plan --report-dir reports --detailed-exitcode --group platform --tier premium';
        expect(await run('image')).toBe(`migrate-clusters ${args}\n`);
        expect(await run('node')).toBe(`npx --yes migrate-clusters@${pkg.version} ${args}\n`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
