// Reads a plan file for apply/status/rollback and checks it against contracts/plan.schema.json:
// a hand-edited or truncated plan is refused before anything touches GitLab. What a plan file
// holds and how it is parsed is plan/plan-file.ts; this is the file and the schema.
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { parsePlan as parsePlanFile } from '../plan/plan-file.js';
import type { Plan } from '../plan/types.js';

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

/** The first misfit against contracts/plan.schema.json, or null. */
function checkSchema(value: unknown): string | null {
  const check = validator();
  if (check(value)) return null;
  const first = check.errors?.[0];
  return `${first?.instancePath || '/'} ${first?.message ?? ''} (${check.errors?.length ?? 0} problem(s))`;
}

export function parsePlan(text: string, path: string): Plan {
  return parsePlanFile(text, path, checkSchema);
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
