// The three changes --fix-ci makes to one job of the user's CI file, on the `yaml` Document so
// everything else of theirs stays as written. Each edit changes only nodes that belong to this job
// alone: a node shared through an anchor, alias or merge key, or built by `!reference`, would
// change other jobs too (or is not here to change), so it is left to a person with a reason.
import { isAlias, isMap, isScalar, isSeq, YAMLMap, YAMLSeq, type Document } from 'yaml';
import { agentAwareCondition, testsCertificateClusterOnly } from './kubernetes-gate.js';

export const USE_CONTEXT_LINE = 'kubectl config use-context "$KUBE_CONTEXT"';

/**
 * What an edit did: `changed` the job, and/or left something undone (`skipped`, why). Neither:
 * the change was already there.
 */
export interface EditOutcome {
  changed: boolean;
  skipped: string | null;
}

const CHANGED: EditOutcome = { changed: true, skipped: null };
const UNCHANGED: EditOutcome = { changed: false, skipped: null };
const skipped = (reason: string): EditOutcome => ({ changed: false, skipped: reason });

const isMergePair = (key: unknown) =>
  isScalar(key) && (key.value === '<<' || typeof key.value === 'symbol');

/** Why `node` (at `where`) must not be edited, or null. */
export function notEditable(node: unknown, where: string): string | null {
  if (isAlias(node)) return `${where} is a YAML alias (*${node.source}), shared with another place`;
  if (!isMap(node) && !isSeq(node) && !isScalar(node)) return null;
  if (node.anchor) return `${where} has the anchor &${node.anchor}, so other jobs may share it`;
  if (node.tag === '!reference') return `${where} is a !reference to another job`;
  if (isMap(node) && node.items.some((pair) => isMergePair(pair.key)))
    return `${where} merges another mapping (<<), which would change with it`;
  return null;
}

/** The value at `key` when the key is there with a non-null value. */
function present(job: YAMLMap, key: string): unknown {
  const node: unknown = job.get(key, true);
  return node == null || (isScalar(node) && node.value == null) ? undefined : node;
}

function hasLine(node: unknown): boolean {
  if (isScalar(node))
    return typeof node.value === 'string' && node.value.includes(USE_CONTEXT_LINE);
  return isSeq(node) && node.items.some(hasLine);
}

export interface SelectContextHints {
  /** the job runs a before_script it gets through extends or default */
  inheritsBeforeScript?: boolean;
  /** its before_script already talks to the cluster, so the context is chosen there */
  beforeScriptTalksToCluster?: boolean;
}

/** Puts `kubectl config use-context "$KUBE_CONTEXT"` first in the job's before_script or script. */
export function selectContext(doc: Document, job: YAMLMap, hints: SelectContextHints): EditOutcome {
  const before = present(job, 'before_script');
  const script = present(job, 'script');
  if (hasLine(before) || hasLine(script)) return UNCHANGED;

  const prepend = (key: 'before_script' | 'script', node: unknown): EditOutcome => {
    const problem = notEditable(node, key);
    if (problem) return skipped(problem);
    const line = doc.createNode(USE_CONTEXT_LINE);
    if (isSeq(node)) node.items.unshift(line);
    else if (isScalar(node) && typeof node.value === 'string') {
      // One command as a string becomes a list, the original kept as it was written.
      const seq = new YAMLSeq(doc.schema);
      seq.items.push(line, node);
      job.set(key, seq);
    } else return skipped(`${key} is neither a list nor a string`);
    return CHANGED;
  };

  if (hints.beforeScriptTalksToCluster)
    return before !== undefined
      ? prepend('before_script', before)
      : skipped(
          'its before_script talks to the cluster and comes from extends or default: choose the context at the start of that before_script',
        );
  if (script !== undefined) return prepend('script', script);
  if (before !== undefined) return prepend('before_script', before);
  if (hints.inheritsBeforeScript === false) {
    job.set('before_script', doc.createNode([USE_CONTEXT_LINE]));
    return CHANGED;
  }
  return skipped(
    hints.inheritsBeforeScript
      ? 'its script and before_script come from extends or default; a before_script here would replace the inherited one, so merge the line into it by hand'
      : 'its script comes from extends or default, and nothing says whether it inherits a before_script that one added here would replace',
  );
}

/** Adds `HELM_KUBECONTEXT: $KUBE_CONTEXT` to the job's variables; helm reads it as --kube-context. */
export function helmContextVariable(doc: Document, job: YAMLMap): EditOutcome {
  const variables = present(job, 'variables');
  const pair = doc.createPair('HELM_KUBECONTEXT', '$KUBE_CONTEXT');
  if (variables === undefined) {
    const created = new YAMLMap(doc.schema);
    created.add(pair);
    // Next to the scripts that need it, rather than after everything else.
    const at = job.items.findIndex(
      (p) => isScalar(p.key) && /^(before_)?script$/.test(String(p.key.value)),
    );
    const entry = doc.createPair('variables', created);
    if (job.get('variables', true) !== undefined) job.set('variables', created);
    else if (at >= 0) job.items.splice(at, 0, entry);
    else job.items.push(entry);
    return CHANGED;
  }
  const problem = notEditable(variables, 'variables');
  if (problem) return skipped(problem);
  if (!isMap(variables)) return skipped('variables is not a mapping');
  if (variables.has('HELM_KUBECONTEXT')) return UNCHANGED;
  variables.add(pair);
  return CHANGED;
}

/**
 * Drops `kubernetes: active` from `only:` and widens `rules: if:` tests of $CI_KUBERNETES_ACTIVE
 * to the agent-aware form (./kubernetes-gate.ts): agents never set CI_KUBERNETES_ACTIVE but give
 * every job they serve a KUBECONFIG, which is why GitLab's own Jobs/Deploy.gitlab-ci.yml tests
 * both. `except: kubernetes: active` is left: dropping it would start the job where it never ran,
 * which a person decides.
 */
export function dropKubernetesGate(
  doc: Document,
  job: YAMLMap,
  extendsFrom: string | null,
): EditOutcome {
  let changed = false;
  let agentAware = false;
  const reasons: string[] = [];

  const only: unknown = job.get('only', true);
  if (isMap(only) && only.has('kubernetes')) {
    const problem = notEditable(only, 'only');
    if (problem) reasons.push(problem);
    else {
      only.delete('kubernetes');
      if (only.items.length === 0) job.delete('only');
      changed = true;
    }
  }
  const except: unknown = job.get('except', true);
  if (isMap(except) && except.has('kubernetes'))
    reasons.push(
      'except: kubernetes: active kept: without it the job would start running where it never ran, which a person decides',
    );

  const rules: unknown = job.get('rules', true);
  const shared = rules === undefined ? null : notEditable(rules, 'rules');
  if (isSeq(rules) && rules.tag === '!reference') {
    if (!changed) reasons.push(`${shared!}: change the gate where those rules are written`);
  } else {
    const list = isAlias(rules) ? rules.resolve(doc) : rules;
    for (const [i, rule] of (isSeq(list) ? list.items : []).entries()) {
      const where = `rules[${i}]`;
      const resolved = isAlias(rule) ? rule.resolve(doc) : rule;
      const condition: unknown = isMap(resolved) ? resolved.get('if', true) : undefined;
      const expression = isScalar(condition) ? condition.value : undefined;
      if (typeof expression !== 'string' || !/CI_KUBERNETES_ACTIVE/.test(expression)) continue;
      if (!testsCertificateClusterOnly(expression)) {
        agentAware = true;
        continue;
      }
      const blocked = shared ?? notEditable(rule, where) ?? notEditable(condition, `${where}.if`);
      if (blocked) {
        reasons.push(blocked);
        continue;
      }
      const rewritten = agentAwareCondition(expression);
      if ('problem' in rewritten) reasons.push(rewritten.problem);
      else {
        (condition as { value: unknown }).value = rewritten.expression;
        changed = true;
      }
    }
  }

  if (changed || reasons.length) return { changed, skipped: reasons.join('; ') || null };
  if (agentAware) return UNCHANGED;
  return skipped(
    `no kubernetes gate in the job itself${extendsFrom ? `: it comes from extends: ${extendsFrom}` : ''}`,
  );
}
