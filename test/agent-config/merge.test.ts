// Merging the planned config into a user's config.yaml: nothing of theirs is lost (keys, comments,
// anchors, order, layout), entries are unioned, differences are reported and never overwritten,
// and an unchanged file comes back byte for byte.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { desiredConfigFiles } from '../../src/agent-config/desired-files.js';
import { mergeAgentConfig, type MergeResult } from '../../src/agent-config/merge.js';
import { renderAgentConfig } from '../../src/agent-config/render.js';
import { validateAgentConfig } from '../../src/agent-config/schema.js';
import { UserError } from '../../src/errors.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { emptyLiveState } from '../../src/plan/live-state.js';
import type { AgentConfig } from '../../src/plan/types.js';
import { InventoryBuilder, planOptions } from '../plan/inventory-builder.js';

const target = { project: 'acme/gitlab-agents', path: '.gitlab/agents/prod/config.yaml' };
const merge = (existing: string | null, desired: AgentConfig) =>
  mergeAgentConfig(existing, desired, target);
const agent = { agent: {} };

/** Every value of `before` is still in `after`: same keys, lists only grown at their end. */
function expectKept(before: unknown, after: unknown, path = ''): void {
  if (Array.isArray(before)) {
    expect(Array.isArray(after), path).toBe(true);
    before.forEach((item, i) => expectKept(item, (after as unknown[])[i], `${path}[${i}]`));
  } else if (typeof before === 'object' && before != null) {
    expect(after, path).toBeTypeOf('object');
    const keys = Object.keys(after as object);
    // Their keys keep their order; ours come after.
    expect(keys.slice(0, Object.keys(before).length), path).toEqual(Object.keys(before));
    for (const [key, value] of Object.entries(before))
      expectKept(value, (after as Record<string, unknown>)[key], `${path}.${key}`);
  } else expect(after, path).toEqual(before);
}

const conflictPaths = (r: MergeResult) => r.conflicts.map((c) => `${c.kind} ${c.path}`);

const USER_FILE = `# Agent for production, owned by the platform team.
# Ask #platform before removing entries.

x-defaults: &defaults
  access_as:
    agent: {}   # the agent's own service account
  default_namespace: apps

gitops:
  manifest_projects:
    - id: acme/manifests
observability:
  logging:
    level: debug
ci_access:
  groups:
    - id: Acme/Platform
      environments: [production, 'review/*']   # flow style, quoted
  projects:
    - id: ACME/Web   # the storefront
      <<: *defaults
      environments:
        - staging

    # Legacy service, kept until Q3.
    - note: extra keys of theirs
      id: acme/legacy
      default_namespace: legacy
    - &ops
      id: acme/ops
# closing comment
`;

describe('a user file with comments, anchors, aliases, merge keys and extra keys', () => {
  const desired: AgentConfig = {
    ci_access: {
      projects: [
        {
          id: 'acme/web',
          default_namespace: 'apps',
          access_as: agent,
          environments: ['production'],
        },
        { id: 'acme/new', default_namespace: 'new', access_as: agent, environments: ['staging'] },
      ],
      groups: [{ id: 'acme/platform', access_as: agent, environments: ['production', 'dev'] }],
      instance: {},
    },
    user_access: { access_as: agent, projects: [{ id: 'acme/web' }, { id: 'acme/new' }] },
  };
  const result = merge(USER_FILE, desired);
  const before = parse(USER_FILE, { merge: true }) as Record<string, unknown>;
  const after = parse(result.content, { merge: true }) as Record<string, unknown>;

  it('keeps every comment, anchor and alias in the text', () => {
    expect(result.changed).toBe(true);
    for (const text of [
      '# Agent for production, owned by the platform team.\n# Ask #platform before removing entries.\n',
      "# the agent's own service account",
      '# flow style, quoted',
      '# the storefront',
      '# Legacy service, kept until Q3.',
      '# closing comment',
      'x-defaults: &defaults',
      '<<: *defaults',
      '&ops',
    ])
      expect(result.content).toContain(text);
    expect(result.content.startsWith('# Agent for production')).toBe(true);
    // The closing comment stays the file's last line, with no blank line slipped in before it.
    expect(result.content.endsWith('    - id: acme/new\n# closing comment\n')).toBe(true);
  });

  it('keeps every key and value of theirs, in their order, and adds only what is missing', () => {
    expectKept(before, after);
    const ci = after.ci_access as { projects: { id: string }[]; groups: unknown[] };
    expect(ci.projects.map((p) => p.id)).toEqual([
      'ACME/Web',
      'acme/legacy',
      'acme/ops',
      'acme/new',
    ]);
    expect(ci.projects[3]).toEqual(desired.ci_access!.projects![1]);
    expect(ci.groups).toEqual([
      { id: 'Acme/Platform', environments: ['production', 'review/*', 'dev'] },
    ]);
    expect(after.user_access).toEqual(desired.user_access);
    expect((after.ci_access as Record<string, unknown>).instance).toEqual({});
    expect(Object.keys(after)).toEqual([
      'x-defaults',
      'gitops',
      'observability',
      'ci_access',
      'user_access',
    ]);
  });

  it('merges environments into the entry that inherits settings through a merge key', () => {
    const web = (after.ci_access as { projects: Record<string, unknown>[] }).projects[0]!;
    expect(web).toEqual({
      id: 'ACME/Web',
      access_as: agent,
      default_namespace: 'apps',
      environments: ['staging', 'production'],
    });
    expect(result.conflicts).toEqual([]);
  });

  it('keeps the flow style of a flow list and the block style of a block list', () => {
    expect(result.content).toContain("environments: [production, 'review/*', dev]");
    expect(result.content).toMatch(/environments:\n {8}- staging\n {8}- production\n/);
  });

  it('is stable: merging the result again changes nothing, byte for byte', () => {
    const again = merge(result.content, desired);
    expect(again.changed).toBe(false);
    expect(again.content).toBe(result.content);
  });
});

describe('unioning entries', () => {
  it('matches ids case-insensitively and adds no duplicate', () => {
    const existing = 'ci_access:\n  projects:\n    - id: Payments/Checkout-API\n';
    const r = merge(existing, {
      ci_access: { projects: [{ id: 'payments/checkout-api', access_as: agent }] },
    });
    expect(r).toEqual({ content: existing, changed: false, conflicts: [] });
  });

  it('adds missing lists and sections after the existing keys, in the stable order', () => {
    const existing = 'observability:\n  logging:\n    level: info\n';
    const r = merge(existing, {
      ci_access: { projects: [{ id: 'a/b', access_as: agent }], groups: [{ id: 'a' }] },
      user_access: { access_as: agent, groups: [{ id: 'a' }] },
    });
    expect(r.content).toBe(
      [
        'observability:',
        '  logging:',
        '    level: info',
        'ci_access:',
        '  projects:',
        '    - id: a/b',
        '      access_as:',
        '        agent: {}',
        '  groups:',
        '    - id: a',
        'user_access:',
        '  access_as:',
        '    agent: {}',
        '  groups:',
        '    - id: a',
        '',
      ].join('\n'),
    );
    expect(validateAgentConfig(parse(r.content))).toEqual([]);
  });

  it('never removes an entry of theirs the plan does not list', () => {
    const existing = 'ci_access:\n  groups:\n    - id: other\n  projects:\n    - id: x/y\n';
    const r = merge(existing, { ci_access: { groups: [{ id: 'acme' }] } });
    expect(parse(r.content)).toEqual({
      ci_access: { groups: [{ id: 'other' }, { id: 'acme' }], projects: [{ id: 'x/y' }] },
    });
  });

  it('reads an entry the way GitLab does when an id appears twice: the last one counts', () => {
    const existing =
      'ci_access:\n  projects:\n    - id: a/b\n      environments: [x]\n    - id: A/B\n      environments: [y]\n';
    const r = merge(existing, { ci_access: { projects: [{ id: 'a/b', environments: ['z'] }] } });
    expect((parse(r.content) as AgentConfig).ci_access!.projects).toEqual([
      { id: 'a/b', environments: ['x'] },
      { id: 'A/B', environments: ['y', 'z'] },
    ]);
  });

  it.each(['ci_access:\n  projects:\n', 'ci_access:\n', 'ci_access: ~\n', 'ci_access: {}\n'])(
    'fills an empty section %j in block style',
    (existing) => {
      const r = merge(existing, { ci_access: { projects: [{ id: 'a/b' }] } });
      expect(r.content).toBe('ci_access:\n  projects:\n    - id: a/b\n');
    },
  );
});

describe('environments', () => {
  const existing = (environments: string) =>
    `ci_access:\n  projects:\n    - id: a/b\n${environments}`;

  it('unites two restrictions', () => {
    const r = merge(existing('      environments: [staging, review/*]\n'), {
      ci_access: { projects: [{ id: 'a/b', environments: ['production', 'staging'] }] },
    });
    expect(r.content).toBe(existing('      environments: [staging, review/*, production]\n'));
  });

  it('keeps an entry of theirs without environments unrestricted', () => {
    const text = existing('      default_namespace: x\n');
    const r = merge(text, {
      ci_access: { projects: [{ id: 'a/b', environments: ['production'] }] },
    });
    expect(r).toEqual({ content: text, changed: false, conflicts: [] });
  });

  it('reports, and does not lift, their restriction where the old cluster served every environment', () => {
    const text = existing('      environments:\n        - staging\n');
    const r = merge(text, { ci_access: { projects: [{ id: 'a/b', access_as: agent }] } });
    expect(r.changed).toBe(false);
    expect(r.content).toBe(text);
    expect(r.conflicts).toEqual([
      expect.objectContaining({
        kind: 'environments',
        file: target.path,
        path: 'ci_access.projects[id=a/b].environments',
        ours: null,
        theirs: ['staging'],
      }),
    ]);
  });
});

describe('conflicting settings are reported, theirs kept', () => {
  const existing = `ci_access:
  projects:
    - id: acme/web
      default_namespace: web-team
      access_as:
        impersonate:
          username: deployer
      protected_branches_only: true
      resource_management:
        enabled: false
user_access:
  access_as:
    user: {}
  projects:
    - id: acme/web
`;

  it('names each difference with ours and theirs, and changes nothing', () => {
    const r = merge(existing, {
      ci_access: {
        projects: [
          {
            id: 'acme/web',
            default_namespace: 'web',
            access_as: { ci_job: {} },
            protected_branches_only: false,
            resource_management: { enabled: true },
          },
        ],
      },
      user_access: { access_as: agent, projects: [{ id: 'acme/web' }] },
    });
    expect(r.changed).toBe(false);
    expect(r.content).toBe(existing);
    expect(conflictPaths(r)).toEqual([
      'setting ci_access.projects[id=acme/web].access_as',
      'setting ci_access.projects[id=acme/web].default_namespace',
      'setting ci_access.projects[id=acme/web].protected_branches_only',
      'setting ci_access.projects[id=acme/web].resource_management',
      'setting user_access.access_as',
    ]);
    expect(r.conflicts[0]).toMatchObject({
      ours: { ci_job: {} },
      theirs: { impersonate: { username: 'deployer' } },
    });
    expect(r.conflicts[1]).toMatchObject({ ours: 'web', theirs: 'web-team' });
    expect(r.conflicts.at(-1)).toMatchObject({ ours: agent, theirs: { user: {} } });
    expect(r.conflicts.every((c) => c.message.length > 20)).toBe(true);
  });

  it('treats a missing access_as as the agent (the default), not as a difference', () => {
    const text = 'ci_access:\n  groups:\n    - id: acme\nuser_access:\n  groups:\n    - id: acme\n';
    const r = merge(text, {
      ci_access: { groups: [{ id: 'acme', access_as: agent }] },
      user_access: { access_as: agent, groups: [{ id: 'acme' }] },
    });
    expect(r).toEqual({ content: text, changed: false, conflicts: [] });
  });

  it('reports a missing access_as where the plan wants ci_job, and then adds no resource management', () => {
    const text = 'ci_access:\n  groups:\n    - id: acme\n';
    const r = merge(text, {
      ci_access: {
        groups: [{ id: 'acme', access_as: { ci_job: {} }, resource_management: { enabled: true } }],
      },
    });
    expect(r.content).toBe(text);
    expect(conflictPaths(r)).toEqual([
      'setting ci_access.groups[id=acme].access_as',
      'setting ci_access.groups[id=acme].resource_management',
    ]);
  });

  it('fills settings theirs does not have when they agree on the identity', () => {
    const text = 'ci_access:\n  groups:\n    - id: acme\n      access_as:\n        ci_job: {}\n';
    const r = merge(text, {
      ci_access: {
        groups: [
          {
            id: 'acme',
            default_namespace: 'apps',
            access_as: { ci_job: {} },
            resource_management: { enabled: true },
          },
        ],
      },
    });
    expect(r.conflicts).toEqual([]);
    expect(parse(r.content)).toEqual({
      ci_access: {
        groups: [
          {
            id: 'acme',
            access_as: { ci_job: {} },
            default_namespace: 'apps',
            resource_management: { enabled: true },
          },
        ],
      },
    });
  });
});

describe('instance authorization', () => {
  it('adds `instance: {}` when absent or empty', () => {
    for (const existing of ['ci_access:\n  groups:\n    - id: a\n', 'ci_access:\n  instance:\n']) {
      const r = merge(existing, { ci_access: { instance: {} } });
      expect(r.changed).toBe(true);
      expect((parse(r.content) as AgentConfig).ci_access!.instance).toEqual({});
    }
  });

  it('keeps their instance settings', () => {
    const text = 'ci_access:\n  instance:\n    environments: [production]\n';
    expect(merge(text, { ci_access: { instance: {} } })).toEqual({
      content: text,
      changed: false,
      conflicts: [],
    });
  });
});

describe('byte for byte when nothing changes', () => {
  it.each([
    ['odd spacing and quoting', 'ci_access:\n   projects:\n   -   id:    "a/b"   # x\n\n\n'],
    ['CRLF line endings', 'ci_access:\r\n  projects:\r\n    - id: a/b\r\n'],
    ['a document marker and no final newline', '---\nci_access: {projects: [{id: a/b}]}'],
  ])('%s', (_name, text) => {
    const r = merge(text, { ci_access: { projects: [{ id: 'A/B', access_as: agent }] } });
    expect(r.changed).toBe(false);
    expect(r.content).toBe(text);
  });
});

describe('layout of an edited file', () => {
  it('keeps CRLF line endings', () => {
    const text = '# ours\r\nci_access:\r\n  projects:\r\n    - id: a/b # web\r\n';
    const r = merge(text, { ci_access: { projects: [{ id: 'c/d' }] } });
    expect(r.changed).toBe(true);
    expect(r.content.replace(/\r\n/g, '')).not.toContain('\n');
    expect(r.content).toBe(
      '# ours\r\nci_access:\r\n  projects:\r\n    - id: a/b # web\r\n    - id: c/d\r\n',
    );
  });

  it.each([
    [
      'four spaces, lists indented',
      'ci_access:\n    projects:\n        - id: a/b\n          environments:\n              - x\n',
    ],
    [
      'two spaces, lists flush with their key',
      'ci_access:\n  groups:\n  - id: a\n  projects:\n  - id: a/b\n',
    ],
  ])('%s: every line of theirs is still there, unchanged', (_name, text) => {
    const r = merge(text, { ci_access: { projects: [{ id: 'c/d', environments: ['y'] }] } });
    expect(r.changed).toBe(true);
    const lines = r.content.split('\n');
    let at = 0;
    for (const line of text.trimEnd().split('\n')) {
      const found = lines.indexOf(line, at);
      expect(found, line).toBeGreaterThanOrEqual(at);
      at = found + 1;
    }
    expect((parse(r.content) as AgentConfig).ci_access!.projects!.at(-1)).toEqual({
      id: 'c/d',
      environments: ['y'],
    });
  });

  it.each([
    [
      'right after the last line',
      'a: 1\n# end\n',
      'a: 1\nci_access:\n  groups:\n    - id: g\n# end\n',
    ],
    [
      'after a blank line',
      'a: 1\n\n# end\n',
      'a: 1\nci_access:\n  groups:\n    - id: g\n\n# end\n',
    ],
  ])('keeps a closing comment %s', (_name, text, expected) => {
    expect(merge(text, { ci_access: { groups: [{ id: 'g' }] } }).content).toBe(expected);
  });

  it('keeps comments of a file that has nothing else', () => {
    const r = merge('# to be filled in\n', { ci_access: { groups: [{ id: 'a' }] } });
    expect(r.content).toBe('# to be filled in\n\nci_access:\n  groups:\n    - id: a\n');
  });
});

describe('what a merge will not do', () => {
  it('does not edit a list shared through an alias: it reports it', () => {
    const text =
      'shared: &list\n  - id: a/b\nci_access:\n  projects: *list\nuser_access:\n  projects: *list\n';
    const r = merge(text, { ci_access: { projects: [{ id: 'c/d' }] } });
    expect(r.content).toBe(text);
    expect(conflictPaths(r)).toEqual(['shared-node ci_access.projects']);
  });

  it('does not edit an entry that is an alias: it reports it', () => {
    const text = 'x: &e\n  id: a/b\n  environments: [x]\nci_access:\n  projects:\n    - *e\n';
    const r = merge(text, { ci_access: { projects: [{ id: 'a/b', environments: ['y'] }] } });
    expect(r.content).toBe(text);
    expect(conflictPaths(r)).toEqual(['shared-node ci_access.projects[id=a/b]']);
  });

  it('reports a list that would pass 500 entries (GitLab drops the rest silently)', () => {
    const ids = Array.from({ length: 499 }, (_, i) => `    - id: acme/p${i}\n`).join('');
    const r = merge(`ci_access:\n  projects:\n${ids}`, {
      ci_access: { projects: [{ id: 'acme/new-1' }, { id: 'acme/new-2' }, { id: 'acme/p0' }] },
    });
    expect(r.conflicts).toEqual([
      expect.objectContaining({
        kind: 'limit',
        path: 'ci_access.projects',
        ours: 501,
        theirs: 499,
      }),
    ]);
    expect(r.conflicts[0]!.message).toContain('500');
  });

  it.each([
    ['not YAML', 'ci_access:\n  projects: [\n', /is not valid YAML/],
    [
      'a duplicate key',
      'ci_access: {}\nci_access: {}\n',
      /is not valid YAML: Map keys must be unique/,
    ],
    ['two documents', 'a: 1\n---\nb: 2\n', /is not valid YAML/],
    ['a list at the top', '- id: a/b\n', /not a YAML mapping/],
    ['ci_access as a list', 'ci_access:\n  - id: a/b\n', /ci_access is not a mapping/],
    ['projects as a string', 'ci_access:\n  projects: a/b\n', /ci_access.projects is not a list/],
    [
      'an entry without id',
      'ci_access:\n  groups:\n    - name: a\n',
      /ci_access.groups\[0\] has no id/,
    ],
    [
      'user_access.access_as as a string',
      'user_access:\n  access_as: agent\n',
      /user_access.access_as/,
    ],
  ])('refuses a file that is %s, naming the project and file', (_name, text, message) => {
    let error: unknown;
    try {
      merge(text, { ci_access: { groups: [{ id: 'a' }] } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
    expect((error as UserError).message).toContain(`${target.path} in ${target.project}`);
    expect((error as UserError).message).not.toContain('\n');
    expect((error as UserError).hint).toMatch(/never overwrites/);
  });
});

describe('desiredConfigFiles', () => {
  const plan = buildPlan(
    new InventoryBuilder()
      .project('acme/web', 'prod', 'https://k8s.example.test', { managed: true })
      .build(),
    emptyLiveState(),
    planOptions({ tier: 'premium' }),
  );
  const a = plan.agents[0]!;
  const templatePath = `.gitlab/agents/${a.name}/environment_templates/default.yaml`;

  it('creates both files in a project that has neither', () => {
    const { files, conflicts } = desiredConfigFiles(a, plan.clusters, {
      [a.configPath]: null,
      [templatePath]: null,
    });
    expect(files).toEqual([
      { path: a.configPath, content: renderAgentConfig(a, plan.clusters), action: 'create' },
      { path: templatePath, content: a.environmentTemplate, action: 'create' },
    ]);
    expect(conflicts).toEqual([]);
  });

  it('finds nothing to do once both files are there', () => {
    const first = desiredConfigFiles(a, plan.clusters, {});
    const existing = Object.fromEntries(first.files.map((f) => [f.path, f.content]));
    const second = desiredConfigFiles(a, plan.clusters, existing);
    expect(second.files.map((f) => f.action)).toEqual(['unchanged', 'unchanged']);
    expect(second.files.map((f) => f.content)).toEqual(first.files.map((f) => f.content));
    expect(second.conflicts).toEqual([]);
  });

  it('updates their config.yaml and keeps their own template, reporting the difference', () => {
    const theirs =
      'objects:\n  - apiVersion: v1\n    kind: Namespace\n    metadata:\n      name: mine\n';
    const { files, conflicts } = desiredConfigFiles(a, plan.clusters, {
      [a.configPath]: '# mine\nobservability: {logging: {level: info}}\n',
      [templatePath]: theirs,
    });
    expect(files.map((f) => f.action)).toEqual(['update', 'unchanged']);
    expect(files[0]!.content.startsWith('# mine\nobservability:')).toBe(true);
    expect(parse(files[0]!.content)).toMatchObject(a.config);
    expect(files[1]!.content).toBe(theirs);
    expect(conflicts).toEqual([
      expect.objectContaining({
        kind: 'template',
        file: templatePath,
        theirs,
        ours: a.environmentTemplate,
      }),
    ]);
  });

  it('accepts their template when it says the same in another layout', () => {
    const same = JSON.stringify(parse(a.environmentTemplate!));
    const { files, conflicts } = desiredConfigFiles(a, plan.clusters, { [templatePath]: same });
    expect(files[1]).toEqual({ path: templatePath, content: same, action: 'unchanged' });
    expect(conflicts).toEqual([]);
  });
});
