// Walking the namespace tree, and the instance version gate. Free functions over state records so
// routes can share them.

import type { GroupRecord, ProjectRecord } from './state.js';

/** Every group at or below `group`, parents before children (pre-order, ascending id among siblings). */
export function selfAndDescendants(group: GroupRecord): GroupRecord[] {
  const out: GroupRecord[] = [];
  const stack: GroupRecord[] = [group];
  while (stack.length > 0) {
    const g = stack.pop() as GroupRecord;
    out.push(g);
    for (let i = g.children.length - 1; i >= 0; i--) stack.push(g.children[i] as GroupRecord);
  }
  return out;
}

/** Projects in `group` and all its subgroups, ascending id. */
export function projectsUnder(group: GroupRecord, includeSubgroups: boolean): ProjectRecord[] {
  if (!includeSubgroups) return group.projects.slice();
  const out: ProjectRecord[] = [];
  for (const g of selfAndDescendants(group)) for (const p of g.projects) out.push(p);
  return out.sort((a, b) => a.id - b.id);
}

/** "17.11.2-ee" >= 17.9 ? Pre-release suffixes are ignored: GitLab gates features by major.minor. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}
