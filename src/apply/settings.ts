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
  /** who asked: the wizard's messages name its questions, not flags */
  askedBy?: 'flags' | 'wizard';
}

/** The defaults of apply's flags: `--help` shows these, and the wizard and tests run with them. */
export const APPLY_DEFAULTS = {
  configVia: 'commit',
  install: 'apply',
  rbac: 'cluster-admin',
  /** seconds */
  rolloutTimeout: 300,
  /** seconds */
  connectionTimeout: 300,
  parallel: 10,
} as const satisfies ApplyFlags;

export function applySettings(options: ApplyFlags): ApplySettings {
  const configVia = options.configVia ?? APPLY_DEFAULTS.configVia;
  const install = options.install ?? APPLY_DEFAULTS.install;
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
    rolloutDeadlineMs: (options.rolloutTimeout ?? APPLY_DEFAULTS.rolloutTimeout) * 1000,
    connectionDeadlineMs: (options.connectionTimeout ?? APPLY_DEFAULTS.connectionTimeout) * 1000,
    pollMs: 250,
    forceConflicts: options.forceConflicts ?? false,
    rbac: options.rbac ?? APPLY_DEFAULTS.rbac,
    fixCi: options.fixCi ?? null,
    parallel: options.parallel ?? APPLY_DEFAULTS.parallel,
    askedBy: options.askedBy ?? 'flags',
  };
}
