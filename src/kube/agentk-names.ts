// The names of an agent's agentk objects, as GitLab's install command and the gitlab-agent chart
// give them: pure string work, so the planner can check them before anything is installed.
import { fitName } from './fit-name.js';

export interface AgentkObjectNames {
  /** the Helm release the objects belong to: the agent's name */
  release: string;
  /** the chart's `gitlab-agent.fullname`; also the ServiceAccount and PodDisruptionBudget */
  fullname: string;
  deployment: string;
  secret: string;
}

/** Helm's `trunc N | trimSuffix "-"`. */
const truncate = (value: string, max: number) => value.slice(0, max).replace(/-$/, '');

/**
 * The chart's names for a release named after the agent. Where the chart's truncation only cuts
 * into its own `-gitlab-agent` suffix the names are exactly the chart's, so Helm can adopt them.
 * The Deployment's `trunc 60` cuts into agent names longer than 60 characters, and then two such
 * agents (`<long>` and `<long>-2`, an agent split past 500 entries) would share one Deployment:
 * there it keeps a hash of the full name instead (fit-name.ts). Helm cannot adopt those releases
 * anyway: it refuses release names longer than 53 characters.
 */
export function agentkObjectNames(agentName: string): AgentkObjectNames {
  // The chart's fullname rule: the release alone when it already says gitlab-agent.
  const full = agentName.includes('gitlab-agent') ? agentName : `${agentName}-gitlab-agent`;
  const fullname = truncate(full, 63);
  // Exactly the chart's template: `fullname | trunc 60` then `-v2`, without trimSuffix.
  const chartDeployment = fullname.slice(0, 60);
  return {
    release: agentName,
    fullname,
    deployment: `${chartDeployment.startsWith(agentName) ? chartDeployment : fitName(full, 60)}-v2`,
    secret: `${fullname}-token`,
  };
}

/**
 * `gitlab-agent-<agent name>`, as GitLab's install command names it. GitLab keeps only the first
 * 50 characters of the name, so agents whose names share those (`<long>`, `<long>-2`) would share
 * a namespace; a name that does not fit keeps a hash of all of it instead (fit-name.ts).
 */
export function agentNamespace(agentName: string): string {
  return fitName(`gitlab-agent-${agentName}`, 63);
}
