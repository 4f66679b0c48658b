// --fix-ci: the changes the audit found a project can make to its own CI file, made on the user's
// text as a `yaml` Document (like the agent config merge, ../agent-config/merge.ts) so comments,
// key order, quoting, indentation and line ends stay theirs. A file nothing was changed in comes
// back byte for byte, and running the same fixes again changes nothing.
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type YAMLMap } from 'yaml';
import { keepTrailingComment, styleOf } from '../agent-config/yaml-style.js';
import { UserError } from '../errors.js';
import {
  dropKubernetesGate,
  helmContextVariable,
  notEditable,
  selectContext,
  type EditOutcome,
  type SelectContextHints,
} from './job-edits.js';
import type { AuditedJob, FixAction } from './types.js';

export interface JobFix extends SelectContextHints {
  job: string;
  action: FixAction;
}

export interface FixResult {
  content: string;
  /** jobs changed, in the order of the fixes */
  changed: string[];
  skipped: { job: string; reason: string }[];
}

function parse(text: string, path: string): Document[] {
  const docs = parseAllDocuments(text, { merge: true, prettyErrors: true });
  if (!Array.isArray(docs)) return [];
  const problem = docs.flatMap((d) => d.errors)[0];
  if (problem)
    throw new UserError(
      `${path} is not valid YAML: ${problem.message.split('\n')[0]!.replace(/:$/, '')}`,
      {
        hint: 'Fix the file and run again: migrate-clusters never rewrites a CI file it cannot read.',
      },
    );
  return docs as Document[];
}

/** `extends:` of the job as written, for a skip reason. */
function extendsOf(job: YAMLMap): string | null {
  const value: unknown = job.get('extends', true);
  if (isScalar(value)) return String(value.value);
  if (isSeq(value)) return value.items.map((i) => (isScalar(i) ? String(i.value) : '?')).join(', ');
  return null;
}

/** Applies `fixes` to the CI file `text`; throws UserError when it is not valid YAML. */
export function fixCiFile(text: string, path: string, fixes: JobFix[]): FixResult {
  const docs = parse(text, path);
  const changed: string[] = [];
  const skipped: FixResult['skipped'] = [];

  for (const fix of fixes) {
    const skip = (reason: string) => skipped.push({ job: fix.job, reason });
    const doc = docs.find((d) => isMap(d.contents) && d.contents.has(fix.job));
    const job: unknown = doc ? (doc.contents as YAMLMap).get(fix.job, true) : undefined;
    if (!doc || job === undefined) {
      skip(`no job ${fix.job} in ${path}`);
      continue;
    }
    const problem = notEditable(job, `the job ${fix.job}`);
    if (problem || !isMap(job)) {
      skip(problem ?? `the job ${fix.job} is not a mapping`);
      continue;
    }
    let outcome: EditOutcome;
    switch (fix.action) {
      case 'select-context':
        outcome = selectContext(doc, job, fix);
        break;
      case 'helm-context-variable':
        outcome = helmContextVariable(doc, job);
        break;
      case 'drop-kubernetes-gate':
        outcome = dropKubernetesGate(doc, job, extendsOf(job));
        break;
    }
    if (outcome.changed && !changed.includes(fix.job)) changed.push(fix.job);
    if (outcome.skipped) skip(outcome.skipped);
  }

  if (changed.length === 0) return { content: text, changed, skipped };
  const { crlf, ...options } = styleOf(text);
  keepTrailingComment(docs.at(-1)!, text);
  const out = docs.map((d) => d.toString(options)).join('');
  return { content: crlf ? out.replace(/\r?\n/g, '\r\n') : out, changed, skipped };
}

/**
 * The fixes --fix-ci can make in the project file `path`: each job's own fix, and for a job whose
 * gate is dropped, the context it then needs too (else it would start running and fail).
 */
export function fixesForFile(jobs: AuditedJob[], path: string): JobFix[] {
  return jobs.flatMap((job) => {
    if (job.definedIn.kind !== 'project-file' || job.definedIn.path !== path) return [];
    if (job.verdict === 'not-editable' || job.fixAction == null) return [];
    // The edit reads inheritsBeforeScript only when the file's job has no before_script of its
    // own, and then any before_script the job runs is inherited.
    const hints = {
      inheritsBeforeScript: job.runsBeforeScript,
      beforeScriptTalksToCluster: job.beforeScriptTalksToCluster,
    };
    const then =
      job.verdict === 'kubernetes-gate'
        ? job.alsoFound.filter((f) => f.verdict === 'implicit-context' && f.fixAction != null)
        : [];
    return [job.fixAction, ...then.map((f) => f.fixAction!)].map((action) => ({
      job: job.name,
      action,
      ...hints,
    }));
  });
}
