// `migrate-clusters plan`: discover, map, and show or write the plan (a dry run: nothing changes).
import { join } from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import { writeFileSetAtomic, writeFileUndoable } from '../files.js';
import { createOutput } from '../output.js';
import { computePlan } from '../live-state/compute-plan.js';
import { refuseUnknownPlanChoices } from '../flag-values.js';
import type { Plan } from '../plan/types.js';
import { planJsonChunks, renderPlanJson } from '../plan/plan-file.js';
import { linesOf } from '../pieces.js';
import { renderPlanJunit } from '../report/plan-junit.js';
import { renderPlanMarkdown } from '../report/plan-markdown.js';
import { hasPendingChanges } from '../report/plan-summary.js';
import { renderPlanTable } from '../report/plan-table.js';
import { renderData } from '../report/data-output.js';
import { PLAN_REPORT_NAMES, planReportFiles } from '../report/write-reports.js';
import { withDiscovery } from '../with-discovery.js';
import type { PlanCommandOptions, PlanFormat } from './options/plan.js';

function render(
  plan: Plan,
  format: Exclude<PlanFormat, 'json'>,
  color: Parameters<typeof renderPlanTable>[1],
  planPath: string | undefined,
): string {
  switch (format) {
    case 'table':
      return renderPlanTable(plan, color);
    case 'yaml':
      return renderData(plan, 'yaml');
    case 'markdown':
      return renderPlanMarkdown(plan).trimEnd();
    case 'junit':
      return renderPlanJunit(plan, { planPath }).trimEnd();
  }
}

/** The report failure, saying the plan file was put back as well. */
function withPlanFileNote(error: unknown, out: string | undefined): unknown {
  if (!out || !(error instanceof UserError)) return error;
  return new UserError(`${error.message} ${out} is as it was before, too.`, {
    ...(error.hint ? { hint: error.hint } : {}),
    cause: error,
  });
}

export async function runPlan(options: PlanCommandOptions): Promise<ExitCode> {
  const out = createOutput(options.output);
  const { format } = options;

  return withDiscovery(
    options.connection,
    out,
    { groups: options.groups },
    async (inventory, connection) => {
      const plan = await computePlan(connection.client, inventory, options.plan);
      refuseUnknownPlanChoices(options.plan, { clusters: inventory.clusters, agents: plan.agents });
      // Rendered once, in pieces, straight into the file: at 50,000 projects the JSON is tens of
      // megabytes, and nothing needs it whole. Files first and atomically: a failure leaves no
      // half-written plan or report behind. JSON on stdout then repeats the file.
      const written = options.out
        ? await writeFileUndoable(options.out, planJsonChunks(plan))
        : null;
      // the file the reports tell people to apply: the one written, where one was
      const planPath =
        options.out ??
        (options.reportDir ? join(options.reportDir, PLAN_REPORT_NAMES.json) : undefined);
      // The reports as one set: all new, or (a full disk half-way) the old ones untouched; and
      // with them the plan file, so that a failure leaves neither.
      if (options.reportDir)
        await writeFileSetAtomic(
          options.reportDir,
          planReportFiles(plan, renderPlanJson(plan), planPath),
        ).catch(async (error: unknown) => {
          await written?.undo();
          throw withPlanFileNote(error, options.out);
        });
      await written?.keep();
      if (format === 'json')
        await out.resultPieces(options.out ? linesOf(options.out) : planJsonChunks(plan));
      else out.result(render(plan, format, out.color, planPath));
      if (options.out)
        out.info(
          `Plan written to ${options.out}. Review it, then: migrate-clusters apply ${options.out}`,
        );
      if (options.reportDir) out.info(`Reports written to ${options.reportDir}/`);
      return options.detailedExitcode && hasPendingChanges(plan) ? ExitCode.pending : ExitCode.ok;
    },
  );
}
