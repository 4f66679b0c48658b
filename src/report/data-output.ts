// Data for machines on stdout, in the spelling kubectl uses: `-o json` (also `--json`) or `-o yaml`.
// The same value either way; YAML through the `yaml` library, so strings that look like numbers or
// booleans stay strings.
import { stringify } from 'yaml';

export type DataFormat = 'json' | 'yaml';

export function renderData(value: unknown, format: DataFormat): string {
  if (format === 'json') return JSON.stringify(value, null, 2);
  return stringify(value, { lineWidth: 0 }).trimEnd();
}
