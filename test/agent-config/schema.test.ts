// The strict schema of config.yaml: what GitLab documents passes, anything else is named.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FULL_PATH_PATTERN, validateAgentConfig } from '../../src/agent-config/schema.js';

const entry = (id: string, extra: Record<string, unknown> = {}) => ({ id, ...extra });
const many = (n: number) => Array.from({ length: n }, (_, i) => entry(`acme/p${i}`));

describe('accepted', () => {
  it('a realistic user file with every documented section', () => {
    const file: unknown = parse(`
gitops:
  manifest_projects:
    - id: acme/manifests
      default_namespace: apps
      paths:
        - glob: '/k8s/**/*.yaml'
ci_access:
  projects:
    - id: acme/web
      default_namespace: web
      access_as:
        impersonate:
          username: deployer
          uid: "1000"
          groups: [deployers, ops]
          extra:
            - key: team
              val: [web]
      environments: [production, review/*]
      protected_branches_only: true
    - id: Acme/Web.Site_2
      access_as: { ci_job: {} }
      resource_management: { enabled: true }
  groups:
    - id: acme/platform
      access_as: { agent: {} }
  instance:
    access_as: { ci_job: {} }
    environments: [production]
user_access:
  access_as: { user: {} }
  projects: [{ id: acme/web }]
  groups: [{ id: acme }]
observability:
  logging:
    level: debug
    grpc_level: warn
remote_development:
  enabled: true
  dns_zone: workspaces.example.test
  network_policy:
    enabled: true
    egress: [{ allow: 0.0.0.0/0, except: [10.0.0.0/8] }]
container_scanning:
  cadence: '0 0 * * *'
  vulnerability_report:
    namespaces: [default]
flux:
  webhook_receiver:
    enabled: true
`);
    expect(validateAgentConfig(file)).toEqual([]);
  });

  it.each([
    ['an empty file', {}],
    [
      'exactly 500 projects and 500 groups',
      { ci_access: { projects: many(500), groups: many(500) } },
    ],
    ['instance access alone', { ci_access: { instance: {} } }],
    ['user_access without access_as (18.3+)', { user_access: { groups: [{ id: 'acme' }] } }],
  ])('%s', (_name, config) => {
    expect(validateAgentConfig(config)).toEqual([]);
  });
});

describe('rejected', () => {
  it.each([
    [
      'an unknown key in a ci_access project entry',
      { ci_access: { projects: [entry('acme/web', { namespace: 'x' })] } },
      '/ci_access/projects/0 has unknown key "namespace"',
    ],
    [
      'an unknown key in a ci_access group entry',
      { ci_access: { groups: [entry('acme', { environment: ['prod'] })] } },
      '/ci_access/groups/0 has unknown key "environment"',
    ],
    [
      'an unknown key in a user_access entry',
      { user_access: { projects: [entry('acme/web', { access_as: { agent: {} } })] } },
      '/user_access/projects/0 has unknown key "access_as"',
    ],
    [
      'an unknown access_as kind',
      { ci_access: { projects: [entry('acme/web', { access_as: { user: {} } })] } },
      '/ci_access/projects/0/access_as has unknown key "user"',
    ],
    [
      'two access_as kinds at once',
      { ci_access: { projects: [entry('a/b', { access_as: { agent: {}, ci_job: {} } })] } },
      '/ci_access/projects/0/access_as must NOT have more than 1 properties',
    ],
    [
      'settings inside access_as.agent',
      { ci_access: { groups: [entry('acme', { access_as: { agent: { as: 'x' } } })] } },
      '/ci_access/groups/0/access_as/agent has unknown key "as"',
    ],
    [
      'impersonate without username',
      { ci_access: { groups: [entry('acme', { access_as: { impersonate: { uid: '1' } } })] } },
      "/ci_access/groups/0/access_as/impersonate must have required property 'username'",
    ],
    [
      'impersonate extra without key',
      {
        ci_access: {
          groups: [entry('acme', { access_as: { impersonate: { username: 'u', extra: [{}] } } })],
        },
      },
      "/ci_access/groups/0/access_as/impersonate/extra/0 must have required property 'key'",
    ],
    [
      'an entry without id',
      { ci_access: { projects: [{ default_namespace: 'x' }] } },
      "/ci_access/projects/0 must have required property 'id'",
    ],
    [
      'an empty environments list',
      { ci_access: { projects: [entry('a/b', { environments: [] })] } },
      '/ci_access/projects/0/environments must NOT have fewer than 1 items',
    ],
    [
      'an empty environment name',
      { ci_access: { projects: [entry('a/b', { environments: [''] })] } },
      '/ci_access/projects/0/environments/0 must NOT have fewer than 1 characters',
    ],
    [
      'protected_branches_only as a string',
      { ci_access: { projects: [entry('a/b', { protected_branches_only: 'yes' })] } },
      '/ci_access/projects/0/protected_branches_only must be boolean',
    ],
    [
      'resource_management with an unknown key',
      { ci_access: { projects: [entry('a/b', { resource_management: { on: true } })] } },
      '/ci_access/projects/0/resource_management has unknown key "on"',
    ],
    [
      'the singular typo `project` of one doc example',
      { ci_access: { project: [entry('a/b')] } },
      '/ci_access has unknown key "project"',
    ],
    [
      'user_access acting as ci_job',
      { user_access: { access_as: { ci_job: {} } } },
      '/user_access/access_as has unknown key "ci_job"',
    ],
    [
      'an unknown log level',
      { observability: { logging: { level: 'trace' } } },
      '/observability/logging/level must be one of error, warn, info, debug',
    ],
    ['an unknown top-level key', { ci_acess: {} }, '/ has unknown key "ci_acess"'],
    ['a list at the top', [], '/ must be object'],
  ])('%s', (_name, config, message) => {
    expect(validateAgentConfig(config)).toContain(message);
  });

  it.each([
    ['501 projects', 'projects'],
    ['501 groups', 'groups'],
  ])('%s in ci_access (GitLab would silently drop the 501st)', (_name, list) => {
    expect(validateAgentConfig({ ci_access: { [list]: many(501) } })).toEqual([
      `/ci_access/${list} must NOT have more than 500 items`,
    ]);
  });

  it('501 entries in user_access', () => {
    expect(validateAgentConfig({ user_access: { projects: many(501) } })).toEqual([
      '/user_access/projects must NOT have more than 500 items',
    ]);
  });

  it.each([
    '/acme/web',
    'acme/web/',
    'acme//web',
    '',
    'acme web',
    'acme/web?x',
    '-acme/web',
    'https://gitlab.example.test/acme/web',
    'acme/wéb',
  ])('the id %j', (id) => {
    const problems = validateAgentConfig({
      ci_access: { projects: [entry(id)], groups: [entry(id)] },
      user_access: { projects: [entry(id)] },
    });
    expect(problems).toEqual([
      `/ci_access/projects/0/id must match pattern "${FULL_PATH_PATTERN}"`,
      `/ci_access/groups/0/id must match pattern "${FULL_PATH_PATTERN}"`,
      `/user_access/projects/0/id must match pattern "${FULL_PATH_PATTERN}"`,
    ]);
  });

  it.each(['acme', 'acme/web', 'Acme-Corp/sub.group/web_app-2', '123/456', '_x/.y'])(
    'but accepts the id %j',
    (id) => {
      expect(validateAgentConfig({ ci_access: { projects: [entry(id)] } })).toEqual([]);
    },
  );

  it('reports every problem at once', () => {
    expect(
      validateAgentConfig({
        ci_access: {
          projects: [entry('/x', { foo: 1 })],
          groups: [entry('g', { access_as: { impersonate: {} } })],
        },
      }),
    ).toHaveLength(3);
  });
});
