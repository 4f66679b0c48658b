// Whether GitLab would accept a project path: apply creates agent projects, so a plan must not
// name one GitLab would refuse (checked at plan time for the flags, at apply time for the file).

/** GitLab's project path rule (Gitlab::PathRegex.project_path_format_regex, simplified). */
const PROJECT_SEGMENT = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/;

export function projectPathProblem(path: string): string | null {
  const segments = path.split('/');
  const bad = segments.find(
    (s) => !PROJECT_SEGMENT.test(s) || /\.(git|atom)$/.test(s) || s.endsWith('.'),
  );
  return bad === undefined
    ? null
    : `"${bad}" in ${path} is not a valid GitLab path (letters, digits, _, - and ., not starting with - or .)`;
}
