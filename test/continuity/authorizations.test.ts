// config.yaml read as GitLab's refresh service and CI finder read it.
import { describe, expect, it } from 'vitest';
import {
  allowsEnvironment,
  authorizationFor,
  missingGrants,
  readAuthorizations,
} from '../../src/continuity/authorizations.js';
import type { AgentConfig } from '../../src/plan/types.js';

const ctx = { agentProject: 'acme/gitlab-agents', instanceAuthorization: false };

describe('readAuthorizations', () => {
  it.each([
    [null, 'there is no config.yaml on the default branch'],
    ['ci_access: [oops', 'config.yaml is not valid YAML, so GitLab cannot read it'],
    ['observability:\n  logging:\n    level: debug\n', 'config.yaml has no ci_access section'],
  ])('%j authorises nobody: %s', (text, problem) => {
    expect(readAuthorizations(text, ctx).problem).toBe(problem);
  });

  it('keeps the first 500 entries, downcased, in the same top-level group only', () => {
    const projects = Array.from({ length: 501 }, (_, i) => `    - id: acme/P${i}`).join('\n');
    const text = `ci_access:\n  projects:\n${projects}\n    - id: other/x\n  groups:\n    - id: other\n    - id: Acme/Shop\n      environments: [production]\n`;
    const a = readAuthorizations(text, ctx);
    expect(a.projects.size).toBe(500);
    expect(a.projects.has('acme/p0')).toBe(true);
    expect(a.projects.has('acme/p500')).toBe(false);
    expect([...a.groups.keys()]).toEqual(['acme/shop']);
    expect(a.groups.get('acme/shop')!.environments).toEqual(['production']);
  });

  it('instance: {} and other hierarchies count only with instance-level authorization', () => {
    const text = 'ci_access:\n  instance: {}\n  projects:\n    - id: other/x\n';
    expect(readAuthorizations(text, ctx).instance).toBeNull();
    const on = readAuthorizations(text, { ...ctx, instanceAuthorization: true });
    expect(on.instance).toEqual({ id: '', environments: null });
    expect(on.projects.has('other/x')).toBe(true);
  });

  it('groups count for nothing in a personal namespace', () => {
    const text = 'ci_access:\n  groups:\n    - id: ines\n';
    expect(
      readAuthorizations(text, { ...ctx, agentProject: 'ines/lab', rootIsGroup: false }).groups
        .size,
    ).toBe(0);
  });
});

describe('authorizationFor (the closest, most specific wins)', () => {
  const a = readAuthorizations(
    'ci_access:\n  projects:\n    - id: acme/shop/api\n      environments: [production]\n  groups:\n    - id: acme\n    - id: acme/shop\n      environments: [staging]\n',
    ctx,
  );
  it.each([
    ['acme/shop/api', 'project', ['production']],
    ['acme/shop/web', 'group', ['staging']],
    ['acme/tools/x', 'group', null],
    ['acme/gitlab-agents', 'implicit', null],
  ])('%s → %s %j', (project, kind, environments) => {
    expect(authorizationFor(project, a, ctx)).toMatchObject({ kind, environments });
  });
  it('nothing outside the hierarchy', () => {
    expect(authorizationFor('other/x', a, ctx)).toBeNull();
  });
  it.each([
    [['production'], 'production', true],
    [['review/*'], 'review/$CI_COMMIT_REF_NAME', true],
    [['production'], 'staging', false],
    [['production'], null, false],
    [null, null, true],
  ])('environments %j allow %j: %s', (environments, environment, allowed) => {
    expect(allowsEnvironment({ id: 'x', environments }, environment)).toBe(allowed);
  });
});

describe('missingGrants', () => {
  const planned: AgentConfig = {
    ci_access: {
      projects: [{ id: 'acme/shop/api', environments: ['production'] }],
      groups: [{ id: 'acme/shop' }],
    },
  };
  it.each([
    ['ci_access:\n  projects:\n    - id: acme/shop/api\n  groups:\n    - id: acme/shop\n', []],
    ['ci_access:\n  groups:\n    - id: acme\n', []],
    [
      'ci_access:\n  groups:\n    - id: acme/shop\n      environments: [staging]\n',
      [
        'project acme/shop/api is not authorised for production',
        'group acme/shop is authorised for staging only',
      ],
    ],
    ['ci_access:\n  projects:\n    - id: acme/shop/api\n', ['group acme/shop is not authorised']],
    ['observability: {}\n', ['config.yaml has no ci_access section']],
  ])('%j → %j', (text, missing) => {
    expect(missingGrants(planned, readAuthorizations(text, ctx), ctx)).toEqual(missing);
  });
});
