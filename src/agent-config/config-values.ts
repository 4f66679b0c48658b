// Looking things up in an agent config as GitLab reads it: the plain value after `yaml` resolved
// aliases and merge keys, and the four access lists GitLab indexes by id.
export type Json = Record<string, unknown>;
export type ListKey = readonly ['ci_access' | 'user_access', 'projects' | 'groups'];

export const LISTS: ListKey[] = [
  ['ci_access', 'projects'],
  ['ci_access', 'groups'],
  ['user_access', 'projects'],
  ['user_access', 'groups'],
];

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value != null && !Array.isArray(value);

export function getIn(value: unknown, keys: readonly string[]): unknown {
  return keys.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), value);
}

/** The effective entries of a list (aliases and merge keys resolved), as GitLab reads them. */
export const entriesOf = (theirs: unknown, keys: ListKey): Json[] => {
  const list = getIn(theirs, keys);
  return Array.isArray(list) ? (list as Json[]) : [];
};
