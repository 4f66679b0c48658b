import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { PLAN_REPORT_NAMES } from '../../src/report/write-reports.js';

const source = readFileSync(
  new URL('../../templates/gitlab-ci/migrate-clusters.gitlab-ci.yml', import.meta.url),
  'utf8',
);

interface Job {
  image: string;
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
    expect(job.image).toBe('node:20');
    const command = job.script.at(-1)!;
    expect(command).toContain('npx --yes "migrate-clusters@${MIGRATE_CLUSTERS_VERSION}" plan');
    expect(command).toContain('--report-dir reports');
    expect(command).toContain('--detailed-exitcode');
    expect(command).not.toMatch(/\b(apply|migrate|rollback)\b(?!-)/);
  });

  it('takes the instance from CI and the token from a dedicated variable', () => {
    expect(job.variables).toMatchObject({
      GITLAB_URL: '$CI_SERVER_URL',
      GITLAB_TOKEN: '$MIGRATE_CLUSTERS_TOKEN',
      MIGRATE_CLUSTERS_VERSION: 'latest',
    });
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
});
