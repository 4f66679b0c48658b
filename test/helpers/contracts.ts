// Validates real output against the contracts in contracts/, a copy of the design's contracts
// (test/contracts-copy.test.ts keeps the two identical wherever the design folder sits beside the
// repo).
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const contractsDir = fileURLToPath(new URL('../../contracts/', import.meta.url));
// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function compile(file: string): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(`${contractsDir}${file}`, 'utf8')) as object);
}

export const validateInventory = compile('inventory.schema.json');

export function contractErrors(validate: ValidateFunction, value: unknown): string[] {
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

export const validatePlan = compile('plan.schema.json');
