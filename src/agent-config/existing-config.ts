// Reads the config.yaml a project already has, refusing what GitLab would refuse to read (or
// misread): migrate-clusters never overwrites a file it cannot read.
import { parseDocument, type Document } from 'yaml';
import { UserError } from '../errors.js';
import { isObject } from './config-values.js';

/** What GitLab would refuse to read (or misread) in the user's file; we never overwrite such a file. */
function shapeProblems(theirs: unknown): string[] {
  if (theirs == null) return [];
  if (!isObject(theirs)) return ['the file is not a YAML mapping'];
  const problems: string[] = [];
  for (const section of ['ci_access', 'user_access'] as const) {
    const value = theirs[section];
    if (value == null) continue;
    if (!isObject(value)) {
      problems.push(`${section} is not a mapping`);
      continue;
    }
    for (const list of ['projects', 'groups'] as const) {
      const entries = value[list];
      if (entries == null) continue;
      if (!Array.isArray(entries)) problems.push(`${section}.${list} is not a list`);
      else
        entries.forEach((entry, i) => {
          if (!isObject(entry) || typeof entry.id !== 'string' || entry.id === '')
            problems.push(`${section}.${list}[${i}] has no id`);
        });
    }
    for (const key of ['instance', 'access_as'])
      if (value[key] != null && !isObject(value[key]))
        problems.push(`${section}.${key} is not a mapping`);
  }
  return problems;
}

/** yaml's pretty errors quote the source after a colon: keep the sentence. */
const firstLine = (message: string) => (message.split('\n')[0] ?? '').replace(/:$/, '');

/**
 * The file as a `yaml` Document to edit, and its effective content (`theirs`). Throws UserError
 * when it is not valid YAML or not shaped like an agent configuration.
 */
export function parseExisting(
  text: string,
  target: { project: string; path: string },
): { doc: Document; theirs: unknown } {
  const where = `${target.path} in ${target.project}`;
  const hint =
    'Fix the file on the default branch (or move it away) and run again: migrate-clusters never overwrites a file it cannot read.';
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  const problem = doc.errors[0];
  if (problem)
    throw new UserError(`${where} is not valid YAML: ${firstLine(problem.message)}`, { hint });
  let theirs: unknown;
  try {
    theirs = doc.toJS();
  } catch (error) {
    throw new UserError(`${where} cannot be read: ${(error as Error).message}`, { hint });
  }
  const problems = shapeProblems(theirs);
  if (problems.length)
    throw new UserError(`${where} is not a valid agent configuration: ${problems.join('; ')}.`, {
      hint,
    });
  return { doc, theirs };
}
