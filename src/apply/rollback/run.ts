// One rollback in progress: runs each undo and reports its outcome, strikes what is undone from the
// journal at once (so a killed rollback can run again), and holds back the later phases once an
// undo has failed.
import { UserError } from '../../errors.js';
import type { Journal } from '../journal.js';
import type { RollbackContext, RollbackKind, RollbackOutcome, RollbackStatus } from './types.js';

/** What one undo found and did, and in words. */
export type UndoResult = [RollbackStatus, string];

/** The project of an agent ref `group/project:name`. */
export const projectOf = (ref: string) => ref.slice(0, ref.lastIndexOf(':'));

export class RollbackRun {
  readonly outcomes: RollbackOutcome[] = [];
  private heldBy: string | null = null;

  constructor(
    readonly ctx: RollbackContext,
    private readonly onOutcome?: (outcome: RollbackOutcome) => void,
  ) {}

  get dryRun() {
    return this.ctx.settings.dryRun;
  }

  would(text: string) {
    return this.dryRun ? `would ${text}` : text;
  }

  /** Strikes an undone change (and the apply steps that made it) from the journal. */
  async forget(change: (j: Journal) => void, stepIds: (id: string) => boolean = () => false) {
    if (this.dryRun) return;
    const before = JSON.stringify(this.ctx.journal.journal);
    const next = structuredClone(this.ctx.journal.journal);
    change(next);
    next.completedSteps = next.completedSteps.filter((id) => !stepIds(id));
    // a re-run that undoes nothing leaves the file as it is
    if (JSON.stringify(next) === before) return;
    await this.ctx.journal.record((j) => Object.assign(j, next));
  }

  /** Runs one undo, reporting it; a failure holds back the later phases. */
  async undo(kind: RollbackKind, subject: string, fn: () => Promise<UndoResult>) {
    let status: RollbackStatus;
    let detail: string;
    if (this.heldBy) [status, detail] = ['held', `held back: ${this.heldBy}`];
    else {
      try {
        [status, detail] = await fn();
      } catch (error) {
        status = 'failed';
        detail =
          error instanceof UserError
            ? `${error.message}${error.hint ? ` ${error.hint}` : ''}`
            : (error as Error).message;
      }
    }
    const outcome = { kind, subject, status, detail };
    this.outcomes.push(outcome);
    this.onOutcome?.(outcome);
  }

  /** Later phases wait for this one: e.g. a variable is only removed once its cluster is back. */
  endPhase(why: string) {
    if (!this.heldBy && this.outcomes.some((o) => o.status === 'failed')) this.heldBy = why;
  }
}
