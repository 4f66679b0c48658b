// `$CI_KUBERNETES_ACTIVE` is set only while an enabled certificate cluster with scope `*` serves
// the project (Gitlab::Ci::Variables::Builder::Pipeline, lib/gitlab/ci/variables/builder/pipeline.rb,
// through Ci::Pipeline#has_kubernetes_active?); agents never set it. What agents do set, for a job
// they serve, is a KUBECONFIG file variable (Ci::GenerateKubeconfigService). That is why GitLab's
// own Auto DevOps jobs test both (lib/gitlab/ci/templates/Jobs/Deploy.gitlab-ci.yml):
//   - if: '($CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == "") && ($KUBECONFIG == null || $KUBECONFIG == "")'
//     when: never
// and Jobs/DAST-Default-Branch-Deploy.gitlab-ci.yml tests `($CI_KUBERNETES_ACTIVE || $KUBECONFIG)`.
// An expression that already tests KUBECONFIG keeps working with agents.

const ACTIVE = /\$\{?CI_KUBERNETES_ACTIVE\}?(?![A-Za-z0-9_])/;
const KUBECONFIG = /\$\{?KUBECONFIG\}?(?![A-Za-z0-9_])/;

export const mentionsKubernetesActive = (text: string) => ACTIVE.test(text);

/** A rules `if:` that only a certificate cluster can satisfy (or, negated, only its absence). */
export const testsCertificateClusterOnly = (expression: string) =>
  ACTIVE.test(expression) && !KUBECONFIG.test(expression);

const V = '\\$CI_KUBERNETES_ACTIVE';
const EMPTY = `(?:""|'')`;
const ABSENT_PAIR = [
  `${V}\\s*==\\s*null\\s*\\|\\|\\s*${V}\\s*==\\s*${EMPTY}`,
  `${V}\\s*==\\s*${EMPTY}\\s*\\|\\|\\s*${V}\\s*==\\s*null`,
].join('|');
/** `(A || B)` or `A || B` for the two absence tests, then one absence test alone. */
const ABSENT = new RegExp(
  `\\(\\s*(?:${ABSENT_PAIR})\\s*\\)|${ABSENT_PAIR}|${V}\\s*==\\s*(?:null|${EMPTY})`,
  'g',
);
/** The variable on its own: not compared with anything, on neither side. */
const PRESENT = new RegExp(
  `(?<!(?:==|!=|=~|!~)\\s*)${V}(?![A-Za-z0-9_])(?!\\s*(?:==|!=|=~|!~))`,
  'g',
);

const AGENT_ABSENT =
  '($CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == "") && ($KUBECONFIG == null || $KUBECONFIG == "")';
const AGENT_PRESENT = '$CI_KUBERNETES_ACTIVE || $KUBECONFIG';

/**
 * The expression with each certificate-cluster test widened to GitLab's agent-aware form, or why
 * it cannot be: only presence (`$CI_KUBERNETES_ACTIVE`) and absence (`== null`, `== ""`) tests
 * have a known meaning; a comparison with anything else is left to a person.
 */
export function agentAwareCondition(
  expression: string,
): { expression: string } | { problem: string } {
  const parts: string[] = [];
  // Placeholders keep a rewritten part from being matched again by the next pattern.
  const hold = (text: string) => `\uE000${parts.push(text) - 1}\uE001`;
  let rest = expression.replace(ABSENT, () => hold(AGENT_ABSENT));
  rest = rest.replace(PRESENT, () => hold(AGENT_PRESENT));
  if (ACTIVE.test(rest))
    return {
      problem: `rules: if: ${JSON.stringify(expression)} compares $CI_KUBERNETES_ACTIVE in a way migrate-clusters does not rewrite`,
    };
  // A part that is the whole expression needs no parentheses (GitLab's own rule has none).
  const whole = parts.length === 1 && /^\s*\uE0000\uE001\s*$/.test(rest);
  return {
    expression: rest.replace(/\uE000(\d+)\uE001/g, (_, i: string) =>
      whole ? parts[Number(i)]! : `(${parts[Number(i)]!})`,
    ),
  };
}
