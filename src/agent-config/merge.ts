// Merges the planned agent config into the config.yaml a project already has. The user's file is
// edited in place (./config-editor.ts), so every key, comment, anchor and ordering of theirs
// survives; migrate-clusters only adds (entries, environments, missing settings). Where the user
// already decided something else, theirs stays and the difference is reported as a conflict.
import { parseDocument } from 'yaml';
import type { AgentConfig } from '../plan/types.js';
import { ConfigEditor, type ConfigConflict } from './config-editor.js';
import { getIn, LISTS } from './config-values.js';
import { parseExisting } from './existing-config.js';
import { renderConfigText } from './render.js';
import { keepTrailingComment, styleOf } from './yaml-style.js';

export type { ConfigConflict, ConflictKind } from './config-editor.js';

export interface MergeResult {
  content: string;
  /** false: `content` is the existing text, byte for byte, and nothing needs committing */
  changed: boolean;
  conflicts: ConfigConflict[];
}

export interface MergeTarget {
  project: string;
  path: string;
  /** header comment of a new file */
  header?: string | null;
}

/**
 * The new text of config.yaml: `desired` rendered when there is no file, else merged into the
 * existing one. Throws UserError when the existing file is not valid YAML or not shaped like an
 * agent configuration.
 */
export function mergeAgentConfig(
  existing: string | null,
  desired: AgentConfig,
  target: MergeTarget,
): MergeResult {
  const { doc, theirs } =
    existing == null ? { doc: parseDocument(''), theirs: null } : parseExisting(existing, target);
  const editor = new ConfigEditor(doc, theirs, target.path);
  editor.mergeList(LISTS[0]!, desired.ci_access?.projects);
  editor.mergeList(LISTS[1]!, desired.ci_access?.groups);
  const instance = desired.ci_access?.instance;
  if (instance !== undefined && getIn(theirs, ['ci_access', 'instance']) == null)
    editor.setIn(['ci_access', 'instance'], instance);
  editor.mergeAccessAs(desired.user_access?.access_as);
  editor.mergeList(LISTS[2]!, desired.user_access?.projects);
  editor.mergeList(LISTS[3]!, desired.user_access?.groups);
  editor.checkLimits();

  if (existing == null)
    return {
      content: renderConfigText(desired, target.header ?? null),
      changed: true,
      conflicts: editor.conflicts,
    };
  if (!editor.changed) return { content: existing, changed: false, conflicts: editor.conflicts };
  const { crlf, ...options } = styleOf(existing);
  keepTrailingComment(doc, existing);
  const text = doc.toString(options);
  return {
    content: crlf ? text.replace(/\r?\n/g, '\r\n') : text,
    changed: true,
    conflicts: editor.conflicts,
  };
}
