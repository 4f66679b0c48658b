// The files one planned agent needs in its configuration project, given what is there now:
// config.yaml (rendered, or merged into the user's) and, for GitLab-managed clusters on Premium,
// environment_templates/default.yaml. Pure: the caller reads the files and delivers the result.
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import type { PlannedAgent, PlannedCluster } from '../plan/types.js';
import { mergeAgentConfig, type ConfigConflict } from './merge.js';
import { configHeader, environmentTemplatePath, renderEnvironmentTemplate } from './render.js';

export type FileAction = 'create' | 'update' | 'unchanged';

export interface DesiredFile {
  /** path in the agent's configuration project */
  path: string;
  content: string;
  action: FileAction;
}

export interface DesiredFiles {
  files: DesiredFile[];
  conflicts: ConfigConflict[];
}

/** Equal as YAML values (comments and layout aside); a file GitLab cannot parse is never equal. */
function sameYaml(a: string, b: string): boolean {
  try {
    return isDeepStrictEqual(parse(a), parse(b));
  } catch {
    return false;
  }
}

/**
 * @param existing file path → its content on the default branch; null or missing: no such file
 */
export function desiredConfigFiles(
  agent: PlannedAgent,
  clusters: PlannedCluster[],
  existing: Record<string, string | null>,
): DesiredFiles {
  const current = existing[agent.configPath] ?? null;
  const merged = mergeAgentConfig(current, agent.config, {
    project: agent.project,
    path: agent.configPath,
    header: configHeader(agent, clusters),
  });
  const files: DesiredFile[] = [
    {
      path: agent.configPath,
      content: merged.content,
      action: current == null ? 'create' : merged.changed ? 'update' : 'unchanged',
    },
  ];
  const conflicts = [...merged.conflicts];

  const template = renderEnvironmentTemplate(agent);
  if (template != null) {
    const path = environmentTemplatePath(agent.configPath);
    const theirs = existing[path] ?? null;
    if (theirs == null) files.push({ path, content: template, action: 'create' });
    else {
      // Someone wrote their own template: it decides where their workloads go, so it stays.
      files.push({ path, content: theirs, action: 'unchanged' });
      if (!sameYaml(theirs, template))
        conflicts.push({
          kind: 'template',
          file: path,
          path,
          ours: template,
          theirs,
          message: `${path} in ${agent.project} differs from the template the plan would write; yours is kept. Check that it keeps the namespaces the certificate cluster used.`,
        });
    }
  }
  return { files, conflicts };
}
