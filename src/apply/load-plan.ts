// Reads a plan file for apply/status/rollback and checks it against contracts/plan.schema.json:
// a hand-edited or truncated plan is refused before anything touches GitLab.
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { PLAN_KIND, type Plan } from '../plan/types.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let validate: ReturnType<Ajv['compile']> | null = null;
function validator() {
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const schema = JSON.parse(
      readFileSync(join(packageRoot, 'contracts', 'plan.schema.json'), 'utf8'),
    ) as object;
    validate = ajv.compile(schema);
  }
  return validate;
}

const REMAKE = 'Make a new one with `migrate-clusters plan --out plan.json`.';

export function parsePlan(text: string, path: string): Plan {
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
  const check = validator();
  if (!check(value)) {
    const first = check.errors?.[0];
    throw new UserError(
      `${path} is not a valid plan: ${first?.instancePath || '/'} ${first?.message ?? ''} (${check.errors?.length ?? 0} problem(s)).`,
      { hint: REMAKE },
    );
  }
  const plan = value as Plan;
  // plans written before `options` existed are still valid; apply falls back to defaults
  plan.options ??= {
    tier: 'free',
    userAccess: false,
    agentProjectName: 'gitlab-agents',
    agentProjects: {},
    contextFor: {},
  };
  return plan;
}

export async function loadPlan(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `No plan file at ${path}.` : `Cannot read ${path}: ${code}.`,
      { hint: REMAKE, cause: error },
    );
  }
  return parsePlan(text, path);
}
