// Where a job of the merged configuration is written: in one of the project's own CI files (which
// --fix-ci can edit) or in an include it cannot edit. merged_yaml does not say where a job came
// from, and the lint API's includes are a flat list, so a job found in none of the project's files
// is attributed to the only other include, or, with several, to "one of the includes": this audit
// reads no include it cannot edit.
import { parseAllDocuments } from 'yaml';
import { isObject } from '../agent-config/config-values.js';
import type { CiSources, JobDefinition } from './types.js';

const normal = (path: string) => path.replace(/^\/+/, '');

/** The top-level keys of a CI file, over all its documents (an include may start with a `spec:` header). */
function topLevelKeys(text: string): Set<string> {
  const keys = new Set<string>();
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return keys;
  for (const doc of docs) {
    if (doc.errors.length) return new Set();
    const value: unknown = doc.toJS({ maxAliasCount: -1 });
    if (isObject(value)) Object.keys(value).forEach((k) => keys.add(k));
  }
  return keys;
}

/** Finds the file or include that defines each job. */
export function jobLocator(sources: CiSources): (job: string) => JobDefinition {
  const paths = Object.keys(sources.projectFiles);
  const byNormal = new Map(paths.map((p) => [normal(p), p]));
  const ordered: string[] = [];
  const add = (path: string | undefined) => {
    if (path !== undefined && !ordered.includes(path)) ordered.push(path);
  };
  add(byNormal.get(normal(sources.mainFile)));
  for (const include of sources.includes)
    if (include.type === 'local') add(byNormal.get(normal(include.location)));
  paths.forEach(add);
  const files = ordered.map((path) => ({ path, keys: topLevelKeys(sources.projectFiles[path]!) }));

  // Includes it cannot edit first; then local ones whose text the caller did not pass.
  const others = [
    ...sources.includes.filter((i) => i.type !== 'local'),
    ...sources.includes.filter((i) => i.type === 'local' && !byNormal.has(normal(i.location))),
  ];
  const elsewhere: JobDefinition =
    others.length === 0
      ? { kind: 'include', type: 'unknown', location: '' }
      : {
          kind: 'include',
          type: others[0]!.type,
          location: others[0]!.location,
          ...(others.length > 1 ? { oneOf: true } : {}),
        };

  return (job) => {
    const file = files.find((f) => f.keys.has(job));
    return file ? { kind: 'project-file', path: file.path } : elsewhere;
  };
}

/** "template Jobs/Deploy.gitlab-ci.yml", "one of the includes (first: remote https://…)" */
export function describeDefinition(definition: JobDefinition): string {
  if (definition.kind === 'project-file') return definition.path;
  if (definition.location === '') return 'a file this audit was not given';
  const include = `${definition.type} ${definition.location}`;
  return definition.oneOf ? `one of the includes (first: ${include})` : include;
}
