import { describe, expect, it } from 'vitest';
import { renderPlanJson } from '../../src/plan/plan-file.js';
import { planReportFiles } from '../../src/report/write-reports.js';
import { parseXml } from './xml-check.js';
import { realisticPlan } from './plan-builder.js';

describe('planReportFiles', () => {
  const files = planReportFiles(realisticPlan());
  const content = (name: string) => files.find((f) => f.name === name)?.content ?? '';

  it('returns the four reports by name', () => {
    expect(files.map((f) => f.name)).toEqual([
      'plan.json',
      'plan.md',
      'plan.junit.xml',
      'plan.txt',
    ]);
  });

  it('fills each with its rendering', () => {
    expect(content('plan.json')).toBe(renderPlanJson(realisticPlan()));
    expect(content('plan.md')).toMatch(/^# migrate-clusters plan\n/);
    expect(parseXml(content('plan.junit.xml')).name).toBe('testsuites');
    expect(content('plan.txt')).toMatch(/^GitLab https:\/\/gitlab\.example\.com/);
  });

  it('writes the text report without colour and every file with a final newline', () => {
    expect(content('plan.txt')).not.toContain('\u001b[');
    for (const file of files) expect(file.content.endsWith('\n'), file.name).toBe(true);
  });
});
