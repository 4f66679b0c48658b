// What every delivery mode does first: compare each desired file with what is there, so only
// differing files are written and a second run writes nothing.
import type { ConfigVia, DeliveryAction, DeliveryFile, DeliveryResult } from './types.js';

export function decide(files: readonly DeliveryFile[], current: (path: string) => string | null) {
  return files.map((f) => {
    const now = current(f.path);
    const action: DeliveryAction =
      now == null ? 'create' : now === f.content ? 'unchanged' : 'update';
    return { file: f, action };
  });
}

export function emptyResult(via: ConfigVia): DeliveryResult {
  return {
    via,
    changed: false,
    files: [],
    branch: null,
    commitId: null,
    mergeRequest: null,
    writtenPaths: [],
    calls: [],
    notes: [],
  };
}
