import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { planJsonChunks, renderPlanJson } from '../../src/plan/plan-file.js';
import { contractErrors, validatePlan } from '../helpers/contracts.js';
import { noChangesPlan, realisticPlan } from './plan-builder.js';

/** The same plan with every object's keys reversed, as a careless builder might produce. */
function shuffled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shuffled);
  if (value == null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, shuffled(v)]),
  );
}

describe('renderPlanJson', () => {
  it('round-trips to the same plan', () => {
    for (const plan of [realisticPlan(), noChangesPlan()]) {
      expect(JSON.parse(renderPlanJson(plan))).toStrictEqual(plan);
    }
  });

  it('validates against the plan contract (so the test plans are realistic)', () => {
    for (const plan of [realisticPlan(), noChangesPlan()]) {
      expect(contractErrors(validatePlan, JSON.parse(renderPlanJson(plan)))).toEqual([]);
    }
  });

  it('writes keys in the order of the type, whatever order they were built in', () => {
    const plan = realisticPlan();
    const text = renderPlanJson(shuffled(plan) as Plan);
    expect(text).toBe(renderPlanJson(plan));
    const parsed = JSON.parse(text) as Plan;
    expect(Object.keys(parsed)).toEqual([
      'kind',
      'version',
      'generatedAt',
      'gitlab',
      'summary',
      'options',
      'clusters',
      'agents',
      'steps',
      'warnings',
    ]);
    expect(Object.keys(parsed.agents[0]!).slice(0, 3)).toEqual(['ref', 'name', 'project']);
    expect(Object.keys(parsed.agents[0]!.config.ci_access!)).toEqual(['projects', 'groups']);
    expect(Object.keys(parsed.agents[1]!.config.ci_access!.projects![1]!)).toEqual([
      'id',
      'access_as',
      'environments',
    ]);
  });

  it('indents with two spaces and ends with a newline', () => {
    const text = renderPlanJson(noChangesPlan());
    expect(text.startsWith('{\n  "kind": "migrate-clusters/plan",\n  "version": 1,\n')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('keeps properties it does not know about, after the known ones', () => {
    const plan = { ...realisticPlan(), extra: { note: 'kept' } } as Plan;
    const parsed = JSON.parse(renderPlanJson(plan)) as Record<string, unknown>;
    expect(Object.keys(parsed).at(-1)).toBe('extra');
    expect(parsed.extra).toEqual({ note: 'kept' });
  });
});

describe('planJsonChunks', () => {
  it('is JSON.stringify with two spaces, a list element a piece, for empty lists too', () => {
    const empty = { ...noChangesPlan(), clusters: [], agents: [], steps: [], warnings: [] };
    for (const plan of [
      realisticPlan(),
      noChangesPlan(),
      empty,
      shuffled(realisticPlan()) as Plan,
    ]) {
      const pieces = [...planJsonChunks(plan)];
      const text = pieces.join('');
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      expect(JSON.parse(text)).toStrictEqual(JSON.parse(renderPlanJson(plan)));
      // every element of the big lists is one piece of its own: a writer never holds the whole
      const elements = ['clusters', 'agents', 'steps', 'warnings'].reduce(
        (sum, key) => sum + (plan[key as 'agents'] as unknown[]).length,
        0,
      );
      const own = pieces.filter((p) => p.startsWith('    {')).length;
      expect(own).toBe(elements);
    }
  });
});
