// The files `plan --report-dir DIR` writes, as data: the command layer does the writing, so this
// stays pure and the CI template (templates/gitlab-ci/) can rely on these exact names.
import { Chalk } from 'chalk';
import type { Plan } from '../plan/types.js';
import { renderPlanJson } from '../plan/plan-file.js';
import { renderPlanJunit } from './plan-junit.js';
import { renderPlanMarkdown } from './plan-markdown.js';
import { renderPlanTable } from './plan-table.js';

export interface ReportFile {
  name: string;
  content: string;
}

export const PLAN_REPORT_NAMES = {
  json: 'plan.json',
  markdown: 'plan.md',
  junit: 'plan.junit.xml',
  text: 'plan.txt',
} as const;

/**
 * `json`: the plan's JSON when the caller has rendered it already (it is rendered once).
 * `planPath`: the plan file the reports tell people to apply (default: the set's own plan.json).
 */
export function planReportFiles(
  plan: Plan,
  json = renderPlanJson(plan),
  planPath: string = PLAN_REPORT_NAMES.json,
): ReportFile[] {
  // A file is read later, in a browser or an editor: escape codes would only be noise there.
  const noColor = new Chalk({ level: 0 });
  return [
    { name: PLAN_REPORT_NAMES.json, content: json },
    { name: PLAN_REPORT_NAMES.markdown, content: renderPlanMarkdown(plan) },
    { name: PLAN_REPORT_NAMES.junit, content: renderPlanJunit(plan, { planPath }) },
    { name: PLAN_REPORT_NAMES.text, content: `${renderPlanTable(plan, noColor)}\n` },
  ];
}
