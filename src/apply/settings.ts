// apply's flags (shared by `apply` and the `migrate` wizard) and the settings the engine runs
// with, with their defaults in one place.
import { UserError } from '../errors.js';
import type { ApplySettings, ConfigVia, InstallMode } from './types.js';

export interface ApplyFlags {
  dryRun?: boolean;
  only?: string[];
  disableOldClusters?: boolean;
  configVia?: ConfigVia;
  install?: InstallMode;
  wait?: boolean;
  outDir?: string;
  fixCi?: 'merge-request';
  rbac?: string;
  forceConflicts?: boolean;
  rolloutTimeout?: number;
  connectionTimeout?: number;
  parallel?: number;
}

export const DEFAULT_PARALLEL = 10;

export function applySettings(options: ApplyFlags): ApplySettings {
  const configVia = options.configVia ?? 'commit';
  const install = options.install ?? 'apply';
  if ((configVia === 'files' || install === 'manifests') && !options.outDir)
    throw new UserError(
      `--${configVia === 'files' ? 'config-via files' : 'install manifests'} writes files: say where with --out-dir DIR.`,
    );
  return {
    dryRun: options.dryRun ?? false,
    only: options.only ?? [],
    disableOldClusters: options.disableOldClusters ?? false,
    configVia,
    install,
    outDir: options.outDir ?? null,
    wait: options.wait ?? true,
    rolloutDeadlineMs: (options.rolloutTimeout ?? 300) * 1000,
    connectionDeadlineMs: (options.connectionTimeout ?? 300) * 1000,
    pollMs: 250,
    forceConflicts: options.forceConflicts ?? false,
    rbac: options.rbac ?? 'cluster-admin',
    fixCi: options.fixCi ?? null,
    parallel: options.parallel ?? DEFAULT_PARALLEL,
  };
}
