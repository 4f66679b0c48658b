// Where a project's CI configuration lives, from its ci_config_path setting, the way
// Gitlab::Ci::ProjectConfig::ProjectSetting (lib/gitlab/ci/project_config/project_setting.rb)
// tells them apart: an http(s) URL, `file.yml@group/project[:ref]` in another project, or a path
// in the project's own repository (empty: .gitlab-ci.yml).

export const DEFAULT_CI_CONFIG_PATH = '.gitlab-ci.yml';

export type CiConfigLocation = { kind: 'repository' | 'external'; path: string };

export function ciConfigLocation(ciConfigPath: string | null | undefined): CiConfigLocation {
  const path = ciConfigPath?.trim() || DEFAULT_CI_CONFIG_PATH;
  // GitLab matches URI's http/https regexp anywhere in the setting, then `.+(yml|yaml)@.+`.
  const external = /https?:\/\/\S/i.test(path) || /^.+(yml|yaml)@.+$/s.test(path);
  return { kind: external ? 'external' : 'repository', path };
}
