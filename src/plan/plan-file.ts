// The plan file in one place: its kind and version, the writer (JSON in the key order of
// plan-json-order.ts, in pieces) and the reader (schema-checked, defaults for older files, and
// the typed data of each step filled in from its id where an older file has none). Pure: the
// caller reads the file and brings the schema check (apply/load-plan.ts).
import { UserError } from '../errors.js';
import { LISTS, orderPlan } from './plan-json-order.js';
import type { CiVariable, Plan, PlanStep } from './types.js';
import { variableId } from './variables.js';

export const PLAN_KIND = 'migrate-clusters/plan' satisfies Plan['kind'];
export const PLAN_VERSION = 1 satisfies Plan['version'];

/**
 * The plan's JSON in pieces, one list element at a time: at 50,000 projects the whole is tens of
 * megabytes, which a writer can then pass on without ever holding it. Joined, the pieces are
 * exactly `JSON.stringify(orderPlan(plan), null, 2)` and a newline (a JSON string never holds a
 * raw newline, so indenting a piece is a replace).
 */
export function* planJsonChunks(plan: Plan): Generator<string> {
  const envelope = orderPlan({ ...plan, clusters: [], agents: [], steps: [], warnings: [] });
  const entries = Object.entries(envelope);
  yield '{\n';
  for (const [i, [key, value]] of entries.entries()) {
    const order = (LISTS as Record<string, ((item: never) => unknown) | undefined>)[key];
    const items = order ? (plan[key as keyof typeof LISTS] as never[]) : null;
    if (order && items && items.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`;
      for (const [j, item] of items.entries())
        yield `    ${JSON.stringify(order(item), null, 2).replace(/\n/g, '\n    ')}${j < items.length - 1 ? ',' : ''}\n`;
      yield '  ]';
    } else {
      yield `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}`;
    }
    yield i < entries.length - 1 ? ',\n' : '\n';
  }
  yield '}\n';
}

export function renderPlanJson(plan: Plan): string {
  return [...planJsonChunks(plan)].join('');
}

const REMAKE = 'Make a new one with `migrate-clusters plan --out plan.json`.';

/** Why `value` does not fit the plan schema (first problem, and how many), or null. */
export type SchemaCheck = (value: unknown) => string | null;

export function parsePlan(text: string, path: string, checkSchema: SchemaCheck): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not JSON.`, { hint: REMAKE });
  }
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind !== PLAN_KIND)
    throw new UserError(`${path} is not a migrate-clusters plan (kind ${JSON.stringify(kind)}).`, {
      hint: REMAKE,
    });
  const problem = checkSchema(value);
  if (problem) throw new UserError(`${path} is not a valid plan: ${problem}.`, { hint: REMAKE });
  const plan = value as Plan;
  // plans written before `options` existed are still valid; apply falls back to defaults
  plan.options ??= {
    tier: 'free',
    userAccess: false,
    agentProjectName: 'gitlab-agents',
    agentProjects: {},
    contextFor: {},
  };
  plan.steps = plan.steps.map((step) => withStepData(step, plan));
  return plan;
}

/**
 * Plans written before steps carried their data name it only in the id
 * (`<agent>/set-variable:<variableId>`, `<agent>/link-environment:<project>`).
 */
function withStepData(step: PlanStep, plan: Plan): PlanStep {
  if (step.kind === 'set-variable' && step.variable == null) {
    const agent = plan.agents.find((a) => a.ref === step.agent);
    const variable =
      agent?.ciVariables.find((v) => step.id.endsWith(`:${variableId(v)}`)) ?? unknownVariable();
    return { ...step, variable };
  }
  if (step.kind === 'link-environment' && step.project == null)
    return { ...step, project: step.id.slice(`${step.agent}/link-environment:`.length) };
  return step;
}

/** A variable no longer among its agent's: apply skips the step ("no longer in the plan"). */
const unknownVariable = (): CiVariable => ({
  level: 'instance',
  owner: null,
  key: 'KUBE_CONTEXT',
  value: '',
  environmentScope: '',
});
