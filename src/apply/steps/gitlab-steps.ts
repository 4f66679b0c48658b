// Steps on the GitLab side before agentk runs: the agent's project, its config file, its
// registration. Each re-reads live state first, so a re-run after a kill repeats nothing.
import { desiredConfigFiles } from '../../agent-config/desired-files.js';
import { environmentTemplatePath } from '../../agent-config/render.js';
import { deliverConfig } from '../../config-delivery/deliver.js';
import { projectInfo, type ProjectInfo } from '../../gitlab/projects.js';
import { readFilesAt, type BranchSnapshot } from '../../gitlab/repository-files.js';
import { ensureAgentProject } from '../../config-delivery/ensure-project.js';
import { findAgent, registerAgent } from '../../gitlab/agents.js';
import type { Intended } from '../journal-store.js';
import { underIntent } from './under-intent.js';
import type { AgentRun, ApplyContext, StepResult, StepRunner } from '../types.js';
import { describeClusters } from './describe.js';
import { endpoint } from '../../gitlab/endpoint.js';
import type { DeliveryResult } from '../../config-delivery/types.js';
import { wouldCall, type DryRunPreview } from '../preview.js';
import { fileDiff } from '../../text-diff.js';

const would = (ctx: ApplyContext, text: string) => (ctx.settings.dryRun ? `would ${text}` : text);

export const createProject: StepRunner = async (_step, run, ctx) => {
  const key = run.agent.project.toLowerCase();
  const earlier = ctx.projects.get(key);
  let intent: Intended | null = null;
  const result =
    earlier ??
    (await ensureAgentProject(ctx.client, run.agent.project, {
      dryRun: ctx.settings.dryRun,
      beforeCreate: async () => {
        intent = await ctx.journal.intend({ kind: 'create-project', project: run.agent.project });
      },
    }));
  const made = intent as Intended | null;
  ctx.projects.set(key, result);
  run.projectId = result.projectId;
  run.projectMissing = result.created && ctx.settings.dryRun;
  if (earlier?.created && ctx.settings.dryRun)
    return { status: 'skipped', detail: `${run.agent.project} would be created once, above` };
  if (earlier || !result.created) {
    await made?.settle(); // someone else's, made meanwhile
    return { status: 'unchanged', detail: `${run.agent.project} exists` };
  }
  await made?.settle((j) => j.createdProjects.push(run.agent.project));
  wouldCall(
    ctx.preview,
    [run.agent.ref],
    'POST',
    'projects',
    `create project ${run.agent.project}`,
  );
  return { status: 'done', detail: would(ctx, `create project ${run.agent.project}`) };
};

/** One agent's part of a project's commit: what it needs, and what it must not commit. */
interface AgentFiles {
  run: AgentRun;
  paths: string[];
  desired: ReturnType<typeof desiredConfigFiles>;
  /** GitLab would silently drop entries past 500: committing would lose access for someone */
  overLimit: string | null;
}

export const commitConfig: StepRunner = async (_step, run, ctx) =>
  (await commitConfigs([run], ctx))[0]!;

/**
 * The config files of every agent of one configuration project in one commit (one merge request
 * in merge-request mode): one pipeline per project, however many agents it holds. Results come
 * back per agent, in order.
 */
export async function commitConfigs(runs: AgentRun[], ctx: ApplyContext): Promise<StepResult[]> {
  const project = runs[0]!.agent.project;
  const pathsOf = (run: AgentRun) => {
    const paths = [run.agent.configPath];
    if (run.agent.environmentTemplate != null)
      paths.push(environmentTemplatePath(run.agent.configPath));
    return paths;
  };
  const known = await projectSnapshot(ctx, project, [...new Set(runs.flatMap(pathsOf))]);
  const existing = Object.fromEntries(
    Object.entries(known.onDefault?.files ?? {}).map(([p, f]) => [p, f?.content ?? null]),
  );
  const parts: AgentFiles[] = runs.map((run) => {
    const clusters = ctx.plan.clusters.filter((c) => run.agent.clusterIds.includes(c.id));
    const desired = desiredConfigFiles(run.agent, clusters, existing);
    return {
      run,
      paths: pathsOf(run),
      desired,
      overLimit: desired.conflicts.find((c) => c.kind === 'limit')?.message ?? null,
    };
  });
  const committing = parts.filter((p) => p.overLimit == null);
  const agents = committing.map((p) => p.run.agent);
  const replaced = describeClusters(
    ctx.plan.clusters.filter((c) => agents.some((a) => a.clusterIds.includes(c.id))),
  );
  const names = agents.map((a) => a.name).join(', ');
  const single = agents.length === 1 ? agents[0]! : null;
  const delivery =
    committing.length === 0
      ? null
      : await deliverConfig(
          ctx.settings.configVia === 'files' ? null : ctx.client,
          {
            project,
            agentName: single?.name ?? 'agents',
            files: committing.flatMap((p) =>
              p.desired.files.map((f) => ({ path: f.path, content: f.content })),
            ),
            commitMessage: `Configure GitLab ${single ? 'agent' : 'agents'} ${names} (migrate-clusters)\n\nReplaces certificate-based clusters:\n${replaced}`,
            mergeRequestTitle: `Configure GitLab ${single ? 'agent' : 'agents'} ${names}`,
            mergeRequestDescription: `This configures the GitLab ${single ? 'agent' : 'agents'} ${agents.map((a) => `\`${a.ref}\``).join(', ')}, which ${single ? 'replaces' : 'replace'} these certificate-based clusters:\n\n${replaced}\n\nGenerated by migrate-clusters.`,
          },
          {
            via: ctx.settings.configVia,
            outDir: ctx.settings.outDir ?? undefined,
            dryRun: ctx.settings.dryRun,
            ...(known.info && known.onDefault
              ? { known: { info: known.info, onDefault: known.onDefault } }
              : {}),
          },
        );
  if (ctx.preview && delivery)
    previewDelivery(ctx.preview, project, committing, existing, delivery);
  return parts.map((part) => {
    const { run, paths, desired } = part;
    if (part.overLimit != null || delivery == null) {
      run.held = part.overLimit;
      return { status: 'needs-person', detail: part.overLimit ?? 'nothing to commit' };
    }
    const conflicts = desired.conflicts.map((c) => c.path).join(', ');
    const note = conflicts ? `; kept your settings at ${conflicts}` : '';
    const unchanged = desired.files.every((f) => f.action === 'unchanged');
    if (ctx.settings.configVia === 'commit' || unchanged) {
      run.configLive = true;
      return !unchanged
        ? { status: 'done', detail: would(ctx, `commit ${paths.join(', ')}${note}`) }
        : { status: 'unchanged', detail: `${run.agent.configPath} is up to date${note}` };
    }
    run.held = 'the agent configuration is not on the default branch yet';
    if (ctx.settings.configVia === 'merge-request') {
      const mr = delivery.mergeRequest;
      return {
        status: 'needs-person',
        detail: mr
          ? `merge ${mr.webUrl}, then run apply again${note}`
          : `would open a merge request for ${run.agent.configPath}${note}`,
      };
    }
    return {
      status: 'needs-person',
      detail: `push ${delivery.writtenPaths.filter((w) => paths.some((p) => w.endsWith(p))).join(', ') || paths.join(', ')} to ${project}, then run apply again${note}`,
    };
  });
}

/** The dry run's record of one project's configuration delivery: its calls and file diffs. */
function previewDelivery(
  preview: DryRunPreview,
  project: string,
  committing: AgentFiles[],
  existing: Record<string, string | null>,
  delivery: DeliveryResult,
): void {
  // the agents whose files change: the commit holds no other's
  const refs = committing
    .filter((p) => p.desired.files.some((f) => f.action !== 'unchanged'))
    .map((p) => p.run.agent.ref);
  for (const call of delivery.calls) wouldCall(preview, refs, call.method, call.path, call.summary);
  for (const part of committing)
    for (const file of part.desired.files) {
      if (file.action === 'unchanged') continue;
      const before = existing[file.path] ?? null;
      preview.files.push({
        agent: part.run.agent.ref,
        project,
        path: file.path,
        change: before == null ? 'create' : 'update',
        diff: fileDiff(file.path, before, file.content),
      });
    }
}

/**
 * The project and its files on the default branch, read once for the commit: from what the
 * create-project step learnt where it ran, and without a read at all for a project this run has
 * just created (it holds a README and nothing else).
 */
async function projectSnapshot(
  ctx: ApplyContext,
  project: string,
  paths: string[],
): Promise<{ info: ProjectInfo | null; onDefault: BranchSnapshot | null }> {
  const none = (ref: string): BranchSnapshot => ({
    ref,
    refExists: true,
    files: Object.fromEntries(paths.map((p) => [p, null])),
  });
  const ensured = ctx.projects.get(project.toLowerCase());
  const info = ensured ? ensured.info : await projectInfo(ctx.client, project);
  if (!info) return { info: null, onDefault: ctx.settings.dryRun ? none('main') : null };
  if (ensured?.created || info.emptyRepo) return { info, onDefault: none(info.defaultBranch) };
  return { info, onDefault: await readFilesAt(ctx.client, project, paths, info.defaultBranch) };
}

export async function ensureAgentId(run: AgentRun, ctx: ApplyContext): Promise<number | null> {
  if (run.agentId != null || run.projectMissing) return run.agentId;
  const found = await findAgent(ctx.client, run.agent.project, run.agent.name);
  run.agentId = found?.id ?? null;
  return run.agentId;
}

export const registerAgentStep: StepRunner = async (_step, run, ctx): Promise<StepResult> => {
  if ((await ensureAgentId(run, ctx)) != null)
    return { status: 'unchanged', detail: `agent ${run.agent.name} is registered` };
  if (ctx.settings.dryRun) {
    wouldCall(
      ctx.preview,
      [run.agent.ref],
      'POST',
      endpoint`projects/${run.agent.project}/cluster_agents`,
      `register agent ${run.agent.name}`,
    );
    return { status: 'done', detail: `would register agent ${run.agent.name}` };
  }
  const agent = await underIntent(
    ctx.journal,
    {
      kind: 'register-agent',
      ref: run.agent.ref,
      project: run.agent.project,
      name: run.agent.name,
    },
    () => registerAgent(ctx.client, run.agent.project, run.agent.name),
    (j, made) => j.agents.push({ ref: run.agent.ref, id: made.id }),
  );
  run.agentId = agent.id;
  return { status: 'done', detail: `registered agent ${agent.name} (id ${agent.id})` };
};
