// How apply's messages tell a person to do the next thing: in the words of the command that ran.
// The wizard asks questions instead of taking flags, so its runs must not say "pass --flag".
import type { ApplySettings } from './types.js';

/** A turned-off step's reason: the old cluster stays on, and how to turn it off later. */
export function staysOnDetail(settings: Pick<ApplySettings, 'askedBy'>): string {
  return settings.askedBy === 'wizard'
    ? 'stays on (run migrate again and answer yes to turning old clusters off)'
    : 'stays on (pass --disable-old-clusters to turn it off)';
}

/** The same, for every old cluster at once (the progress tree's closing line). */
export function allStayOn(settings: Pick<ApplySettings, 'askedBy'>): string {
  return settings.askedBy === 'wizard'
    ? 'Old certificate clusters stay on (run migrate again and answer yes to turning them off)'
    : 'Old certificate clusters stay on (pass --disable-old-clusters to turn them off)';
}

/** The end of a run that set agents up and left the old clusters on. */
export function agentsInPlace(settings: Pick<ApplySettings, 'askedBy'>): string {
  const how =
    settings.askedBy === 'wizard'
      ? 'run migrate again and answer yes when it asks to turn them off'
      : 'apply again with --disable-old-clusters';
  return `Agents are in place. When jobs deploy through them, turn the old clusters off: ${how}.`;
}
