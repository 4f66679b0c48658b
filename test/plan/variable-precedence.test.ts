// Mapping rule 5 (docs/mapping-rules.md) where an instance cluster's variables meet a top-level
// group's own cluster variables.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build-plan.js';
import { emptyLiveState } from '../../src/plan/live-state.js';
import { instanceScopeVersusGroup, scopeMatches } from '../../src/plan/variable-precedence.js';
import { contractErrors, validatePlan } from '../helpers/contracts.js';
import { InventoryBuilder, planOptions } from './inventory-builder.js';

const PROD = 'https://k8s-prod.example.test:6443';
const STAGING = 'https://k8s-staging.example.test:6443';

describe('scopeMatches (GitLab: `*` is a wildcard, everything else literal)', () => {
  it.each([
    ['*', 'production', true],
    ['review/*', 'review/app-1', true],
    ['review/*', 'reviewer', false],
    ['production', 'production', true],
    ['production', 'production-eu', false],
    ['prod.eu', 'prodXeu', false],
    ['*-eu', 'prod-eu', true],
  ])('%s against %s → %s', (scope, env, expected) => {
    expect(scopeMatches(scope, env)).toBe(expected);
  });
});

describe('instance variable scope against the group cluster scope on one group', () => {
  it.each([
    ['review/*', '*', 'shadowed'], // the group cluster served every environment
    ['production', 'production', 'shadowed'],
    ['review/app', 'review/*', 'shadowed'], // exact would outrank the glob the group cluster matched
    ['*', 'production', 'keep'], // the group variable is more specific and wins where it matches
    ['review/*', 'production', 'keep'], // an exact group scope outranks a glob
    ['staging', 'production', 'keep'],
    ['review/*', 'review/eu-*', 'ambiguous'],
    ['review/*', 'staging/*', 'keep'],
  ] as const)('instance %s, group %s → %s', (instance, group, expected) => {
    expect(instanceScopeVersusGroup(instance, group)).toBe(expected);
  });
});

describe('plans', () => {
  const groupVars = (builder: InventoryBuilder) => {
    const p = buildPlan(builder.build(), emptyLiveState(), planOptions());
    expect(contractErrors(validatePlan, p)).toEqual([]);
    return {
      plan: p,
      vars: p.agents
        .flatMap((a) => a.ciVariables)
        .filter((v) => v.level === 'group' && v.owner === 'acme')
        .map((v) => `${v.key}@${v.environmentScope}=${v.value}`)
        .sort(),
    };
  };

  it('plans no agent for an instance cluster where a `*` group cluster shadowed it (demo: payments)', () => {
    const { vars, plan } = groupVars(
      new InventoryBuilder()
        .group('acme', 'acme-all', STAGING)
        .instance('shared', PROD, { environmentScope: 'review/*', namespace: 'shared-ns' })
        .topLevelGroups('acme', 'beta'),
    );
    expect(vars).toEqual(['KUBE_CONTEXT@*=acme/gitlab-agents:acme-all']);
    expect(plan.agents.map((a) => a.ref).sort()).toEqual([
      'acme/gitlab-agents:acme-all',
      'beta/gitlab-agents:shared',
    ]);
    const warning = plan.warnings.find((w) => w.code === 'instance-cluster-shadowed');
    expect(warning).toMatchObject({ clusterId: 2 });
    expect(warning?.message).toContain('under acme');
  });

  it('skips an instance cluster every top-level group shadowed, with the reason', () => {
    const { plan } = groupVars(
      new InventoryBuilder()
        .group('acme', 'acme-all', STAGING)
        .instance('shared', PROD)
        .topLevelGroups('acme'),
    );
    const shared = plan.clusters.find((c) => c.name === 'shared')!;
    expect(shared).toMatchObject({ action: 'skip', agents: [] });
    expect(shared.reason).toContain('took precedence');
    expect(plan.steps.some((s) => s.agent?.endsWith(':shared'))).toBe(false);
  });

  it('keeps the instance variable where the group cluster only served one environment', () => {
    const { vars } = groupVars(
      new InventoryBuilder()
        .group('acme', 'acme-prod', STAGING, { environmentScope: 'production' })
        .instance('shared', PROD)
        .topLevelGroups('acme'),
    );
    expect(vars).toEqual([
      'KUBE_CONTEXT@*=acme/gitlab-agents:shared',
      'KUBE_CONTEXT@production=acme/gitlab-agents:acme-prod',
    ]);
  });

  it('warns where two overlapping globs leave the choice to GitLab', () => {
    const { plan, vars } = groupVars(
      new InventoryBuilder()
        .group('acme', 'acme-eu', STAGING, { environmentScope: 'review/eu-*' })
        .instance('shared', PROD, { environmentScope: 'review/*' })
        .topLevelGroups('acme'),
    );
    expect(vars).toHaveLength(2);
    const warning = plan.warnings.find((w) => w.code === 'instance-variable-precedence');
    expect(warning?.message).toContain('review/eu-*');
  });

  it('with --instance-authorization an instance cluster for `*` gets an instance variable, which group variables outrank', () => {
    const p = buildPlan(
      new InventoryBuilder()
        .group('acme', 'acme-prod', STAGING, { environmentScope: 'production' })
        .instance('shared', PROD)
        .topLevelGroups('acme')
        .build(),
      emptyLiveState(),
      planOptions({ instanceAuthorization: true }),
    );
    const contexts = p.agents.flatMap((a) =>
      a.ciVariables.filter((v) => v.key === 'KUBE_CONTEXT').map((v) => `${v.level}:${v.owner}`),
    );
    expect(contexts.sort()).toEqual(['group:acme', 'instance:null']);
  });

  it('with --instance-authorization a scoped instance cluster gets group variables: instance variables have no scope', () => {
    const p = buildPlan(
      new InventoryBuilder()
        .instance('shared', PROD, { environmentScope: 'review/*' })
        .topLevelGroups('acme', 'beta')
        .build(),
      emptyLiveState(),
      planOptions({ instanceAuthorization: true }),
    );
    expect(contractErrors(validatePlan, p)).toEqual([]);
    const contexts = p.agents.flatMap((a) =>
      a.ciVariables
        .filter((v) => v.key === 'KUBE_CONTEXT')
        .map((v) => `${v.level}:${v.owner}:${v.environmentScope}`),
    );
    expect(contexts.sort()).toEqual(['group:acme:review/*', 'group:beta:review/*']);
  });
});
