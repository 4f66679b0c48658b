// The plan file's reader: files written before steps carried their data still run the same steps.
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/apply/load-plan.js';
import { renderPlanJson } from '../../src/plan/plan-file.js';
import type { PlanStep } from '../../src/plan/types.js';
import { kubeContext, PlanBuilder } from '../report/plan-builder.js';

function planWithCutover() {
  const variable = kubeContext('acme/gitlab-agents:prod', 'group', 'acme', 'production');
  const plan = new PlanBuilder()
    .cluster({ id: 1, name: 'prod', level: 'group', owner: 'acme', action: 'migrate' })
    .agent({
      name: 'prod',
      project: 'acme/gitlab-agents',
      clusterIds: [1],
      ciVariables: [variable],
    })
    .build();
  const steps: PlanStep[] = [
    ...plan.steps.filter((s) => s.kind !== 'set-variable'),
    {
      id: `acme/gitlab-agents:prod/set-variable:group:acme:KUBE_CONTEXT:production`,
      kind: 'set-variable',
      agent: 'acme/gitlab-agents:prod',
      clusterId: null,
      description: 'Set KUBE_CONTEXT',
      variable,
    },
    {
      id: 'acme/gitlab-agents:prod/link-environment:acme/web',
      kind: 'link-environment',
      agent: 'acme/gitlab-agents:prod',
      clusterId: null,
      description: 'Link the environments of acme/web',
      project: 'acme/web',
    },
  ];
  return { ...plan, steps };
}

/** The same file as an older version wrote it: the ids only. */
function olderFile(text: string): string {
  const value = JSON.parse(text) as { steps: Record<string, unknown>[] };
  for (const step of value.steps) {
    delete step.variable;
    delete step.project;
  }
  return JSON.stringify(value, null, 2);
}

describe('plan file steps', () => {
  it('a set-variable and a link-environment step carry their data in the file', () => {
    const text = renderPlanJson(planWithCutover());
    const steps = (JSON.parse(text) as { steps: Record<string, unknown>[] }).steps;
    expect(steps.find((s) => s.kind === 'set-variable')?.variable).toMatchObject({
      key: 'KUBE_CONTEXT',
      owner: 'acme',
      environmentScope: 'production',
    });
    expect(steps.find((s) => s.kind === 'link-environment')?.project).toBe('acme/web');
  });

  it('an older file without the data reads as the same steps', () => {
    const plan = planWithCutover();
    const text = renderPlanJson(plan);
    const read = parsePlan(olderFile(text), 'plan.json');
    expect(read.steps).toEqual(parsePlan(text, 'plan.json').steps);
    expect(read.steps.find((s) => s.kind === 'link-environment')).toMatchObject({
      project: 'acme/web',
    });
  });

  it('an older file whose variable left its agent keeps the step, which apply then skips', () => {
    const plan = planWithCutover();
    const text = olderFile(
      renderPlanJson({ ...plan, agents: plan.agents.map((a) => ({ ...a, ciVariables: [] })) }),
    );
    const step = parsePlan(text, 'plan.json').steps.find((s) => s.kind === 'set-variable');
    expect(step?.kind === 'set-variable' && step.variable.environmentScope).toBe('');
  });
});
