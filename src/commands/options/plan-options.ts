// The one way plan options are made: from the flags of `plan`, `manifests` and `migrate`, from what
// a plan file recorded (`apply --refresh` re-plans with it), or from nothing (`verify --demo`).
// Whatever is not given is the planner's default (src/plan/options.ts).
import { UserError } from '../../errors.js';
import { parseContextFor, parsePairs } from '../../flag-values.js';
import { defaultPlanOptions, type PlanOptions } from '../../plan/options.js';
import { projectPathProblem } from '../../plan/project-path.js';

/** What a plan is made with, as far as it is known: every key may be left out. */
export interface PlanInput {
  instanceAuthorization?: boolean | undefined;
  tier?: PlanOptions['tier'] | undefined;
  userAccess?: boolean | undefined;
  agentProjectName?: string | undefined;
  agentProjects?: Record<string, string> | undefined;
  /** by cluster id (a plan file's JSON keys are strings) */
  contextFor?: Record<string, string> | undefined;
  ciAudit?: boolean | undefined;
}

export function planOptionsOf(input: PlanInput): PlanOptions {
  const defaults = defaultPlanOptions();
  return {
    ...defaults,
    instanceAuthorization: input.instanceAuthorization ?? defaults.instanceAuthorization,
    tier: input.tier ?? defaults.tier,
    userAccess: input.userAccess ?? defaults.userAccess,
    agentProjectName: input.agentProjectName ?? defaults.agentProjectName,
    agentProjects: { ...(input.agentProjects ?? defaults.agentProjects) },
    contextFor: Object.fromEntries(
      Object.entries(input.contextFor ?? defaults.contextFor).map(([id, c]) => [Number(id), c]),
    ),
    ciAudit: input.ciAudit ?? defaults.ciAudit,
  };
}

/** The mapping flags as commander gives them; a command leaves out those it does not take. */
export interface PlanFlagValues {
  instanceAuthorization?: boolean;
  tier?: PlanOptions['tier'];
  userAccess?: boolean;
  agentProjectName?: string;
  agentProject?: string[];
  contextFor?: string[];
  ciAudit?: boolean;
}

/** The flags, checked: a bad value fails here, before any GitLab request. */
export function planOptionsFromFlags(flags: PlanFlagValues): PlanOptions {
  const contextFor = parseContextFor(flags.contextFor);
  if (flags.agentProjectName != null) {
    const named = projectPathProblem(flags.agentProjectName);
    if (named)
      throw new UserError(`--agent-project-name: ${named}.`, {
        hint: 'For example --agent-project-name kubernetes-agents',
      });
  }
  const agentProjects = parsePairs('--agent-project', flags.agentProject);
  for (const [root, path] of agentProjects) {
    const problem = projectPathProblem(path);
    if (problem) throw new UserError(`--agent-project ${root}=${path}: ${problem}.`);
  }
  return planOptionsOf({
    instanceAuthorization: flags.instanceAuthorization,
    tier: flags.tier,
    userAccess: flags.userAccess,
    agentProjectName: flags.agentProjectName,
    agentProjects: Object.fromEntries(agentProjects),
    contextFor,
    ciAudit: flags.ciAudit,
  });
}
