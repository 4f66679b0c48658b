// Everything the audit sees in one job with an environment, as findings in order of precedence:
// a job that stops running matters before one that breaks, one that breaks before one that is
// fine, and only what nothing else explains is left to a person as 'unknown'.
import type { CiJob, ScriptSection } from './ci-jobs.js';
import { clusterCommand, contextSelected, type ClusterCommand } from './cluster-commands.js';
import {
  agentAwareCondition,
  mentionsKubernetesActive,
  testsCertificateClusterOnly,
} from './kubernetes-gate.js';
import { repositoryScript } from './repository-scripts.js';
import { shellCommands, type ShellCommand } from './shell-commands.js';
import { VERDICT_CLASS, type Finding } from './types.js';

export interface JobJudgement {
  /** at least one; the first is the verdict */
  findings: Finding[];
  runsBeforeScript: boolean;
  beforeScriptTalksToCluster: boolean;
}

const SECTIONS: ScriptSection[] = ['before_script', 'script', 'after_script'];
const USE_CONTEXT = 'kubectl config use-context "$KUBE_CONTEXT"';

/**
 * Variables only a certificate cluster provides (Clusters::Platforms::Kubernetes#predefined_variables,
 * app/models/clusters/platforms/kubernetes.rb). KUBE_NAMESPACE and KUBE_INGRESS_BASE_DOMAIN are
 * not here: the migration sets them as CI/CD variables.
 */
const CERTIFICATE_VARIABLES =
  /\$(?:env:)?\{?(KUBE_URL|KUBE_TOKEN|KUBE_CA_PEM_FILE|KUBE_CA_PEM)\}?(?![\w])/g;
/** The one context of a certificate cluster's KUBECONFIG (Gitlab::Kubernetes#to_kubeconfig, lib/gitlab/kubernetes.rb). */
const GITLAB_DEPLOY = /(?<![\w-])gitlab-deploy(?![\w-])/;
/** Variables a job reads when it works with a cluster: a sign that an unread script does too. */
const KUBERNETES_VARIABLES =
  /\$\{?(KUBECONFIG|KUBE_CONTEXT|KUBE_NAMESPACE|KUBE_INGRESS_BASE_DOMAIN)\b/;
/** Names that make a job, image or script look like Kubernetes work. */
const KUBERNETES_NAME = /kube|k8s|helm|kustomize/i;
const KUBERNETES_TOOLS = new Set(['kubectl', 'helm', 'helmfile', 'kustomize']);

const list = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
const unique = <T>(items: T[]) => [...new Set(items)];

function gateFindings(job: CiJob, scriptText: string): Finding[] {
  const findings: Finding[] = [];
  const policy = (key: 'only' | 'except') => {
    const value = job[key];
    return typeof value === 'object' && value != null && 'kubernetes' in value;
  };
  if (policy('only'))
    findings.push({
      verdict: 'kubernetes-gate',
      evidence:
        'has only: kubernetes: active, which holds only while a certificate cluster with scope * is on',
      fix: 'Remove kubernetes: active from only: (agents never make it true).',
      fixAction: 'drop-kubernetes-gate',
    });
  if (policy('except'))
    findings.push({
      verdict: 'kubernetes-gate',
      evidence:
        'has except: kubernetes: active, so it starts running once certificate clusters are off',
      fix: 'Decide whether the job should run without a certificate cluster, then remove kubernetes: active from except:.',
      fixAction: null,
    });
  for (const rule of job.rules) {
    const expression = (rule as { if?: unknown } | null)?.if;
    if (typeof expression !== 'string' || !testsCertificateClusterOnly(expression)) continue;
    const rewritten = agentAwareCondition(expression);
    findings.push({
      verdict: 'kubernetes-gate',
      evidence: `has rules: if: ${JSON.stringify(expression)}, which tests $CI_KUBERNETES_ACTIVE, a variable agents never set`,
      fix:
        'expression' in rewritten
          ? `Test $KUBECONFIG too, as GitLab's Auto DevOps does: if: ${JSON.stringify(rewritten.expression)}.`
          : 'Test $KUBECONFIG as well as $CI_KUBERNETES_ACTIVE: agents set KUBECONFIG, never CI_KUBERNETES_ACTIVE.',
      fixAction: 'expression' in rewritten ? 'drop-kubernetes-gate' : null,
    });
  }
  if (mentionsKubernetesActive(scriptText))
    findings.push({
      verdict: 'kubernetes-gate',
      evidence: 'its script tests $CI_KUBERNETES_ACTIVE, a variable agents never set',
      fix: 'Test $KUBECONFIG in the script as well: agents set KUBECONFIG, never CI_KUBERNETES_ACTIVE.',
      fixAction: null,
    });
  return findings;
}

function certificateFinding(job: CiJob, text: string): Finding | null {
  const own = new Set(Object.keys(job.variables));
  const names = unique([...text.matchAll(CERTIFICATE_VARIABLES)].map((m) => m[1]!)).filter(
    (name) => !own.has(name),
  );
  if (names.length)
    return {
      verdict: 'certificate-variables',
      evidence: `uses ${list(names.map((n) => `$${n}`))}, which only certificate clusters provide`,
      fix: `Drop ${list(names.map((n) => `$${n}`))} and use the agent's KUBECONFIG after ${USE_CONTEXT}.`,
      fixAction: null,
    };
  if (GITLAB_DEPLOY.test(text))
    return {
      verdict: 'certificate-variables',
      evidence: 'uses the gitlab-deploy context, which only certificate clusters create',
      fix: 'Select "$KUBE_CONTEXT" instead of gitlab-deploy.',
      fixAction: null,
    };
  return null;
}

function autoDevopsFinding(job: CiJob, commands: ShellCommand[]): Finding | null {
  if (commands.some((c) => c.name === 'auto-deploy'))
    return {
      verdict: 'auto-devops',
      evidence: 'runs auto-deploy, which selects the context KUBE_CONTEXT names',
      fix: null,
      fixAction: null,
    };
  if (job.image?.includes('cluster-integration/auto-deploy-image'))
    return {
      verdict: 'auto-devops',
      evidence: "runs in GitLab's auto-deploy image, which selects the context KUBE_CONTEXT names",
      fix: null,
      fixAction: null,
    };
  return null;
}

const assigns = (words: string[], name: string) =>
  words.some((w) => w.startsWith(`${name}=`) && !/^\w+=\$\{?KUBECONFIG\}?$/.test(w));

/** What chooses a context for every command of the job, as a short phrase. */
function jobWideSelectors(job: CiJob, commands: ShellCommand[]) {
  const exported = (name: string) =>
    commands.some(
      (c) =>
        (c.name === '' && assigns(c.assignments, name)) ||
        (c.name === 'export' && assigns(c.args, name)),
    );
  const ownVariable = (name: string) =>
    name in job.variables && !/^\$\{?KUBECONFIG\}?$/.test(job.variables[name]!.trim());
  const contexts = commands.map(contextSelected).filter((c) => c != null);
  return {
    all: [
      ...(contexts.length ? [`kubectl config use-context ${contexts[0] || '(no name)'}`] : []),
      ...(ownVariable('KUBECONFIG') || exported('KUBECONFIG') ? ['its own KUBECONFIG'] : []),
    ],
    helm:
      ownVariable('HELM_KUBECONTEXT') || exported('HELM_KUBECONTEXT') ? ['HELM_KUBECONTEXT'] : [],
  };
}

interface Placed {
  section: ScriptSection;
  shell: ShellCommand;
  cluster: ClusterCommand | null;
}

function implicitFinding(unselected: Placed[]): Finding {
  const tools = new Set(unselected.map((p) => p.cluster!.tool));
  const labels = unique(unselected.map((p) => p.cluster!.label));
  const evidence = `runs ${list(labels.slice(0, 3))}${labels.length > 3 ? ' and more' : ''} without choosing a context`;
  // use-context writes current-context into the KUBECONFIG file, which helm and helmfile read too.
  if (tools.has('kubectl'))
    return {
      verdict: 'implicit-context',
      evidence,
      fix: `Run ${USE_CONTEXT} before the first kubectl.`,
      fixAction: 'select-context',
    };
  if (!tools.has('helmfile'))
    return {
      verdict: 'implicit-context',
      evidence,
      fix: "Set HELM_KUBECONTEXT: $KUBE_CONTEXT in the job's variables.",
      fixAction: 'helm-context-variable',
    };
  return {
    verdict: 'implicit-context',
    evidence,
    fix: 'Pass --kube-context "$KUBE_CONTEXT" to helmfile.',
    fixAction: null,
  };
}

function kubernetesLooks(job: CiJob, placed: Placed[], scripts: string[], text: string) {
  if (job.image && KUBERNETES_NAME.test(job.image)) return `image ${job.image}`;
  if (KUBERNETES_NAME.test(job.name)) return `job name ${job.name}`;
  if (job.environment != null && KUBERNETES_NAME.test(job.environment))
    return `environment ${job.environment}`;
  const named = scripts.find((s) => KUBERNETES_NAME.test(s));
  if (named) return `script ${named}`;
  const variable = KUBERNETES_VARIABLES.exec(text);
  if (variable) return `uses $${variable[1]!}`;
  const tool = placed.find((p) => KUBERNETES_TOOLS.has(p.shell.name));
  if (tool) return `runs ${tool.shell.name} ${tool.shell.args[0] ?? ''}`.trim();
  return null;
}

export function judgeJob(job: CiJob): JobJudgement {
  const placed: Placed[] = SECTIONS.flatMap((section) =>
    job.sections[section].flatMap((line) =>
      shellCommands(line).map((shell) => ({ section, shell, cluster: clusterCommand(shell) })),
    ),
  );
  const commands = placed.map((p) => p.shell);
  const scriptText = SECTIONS.flatMap((s) => job.sections[s]).join('\n');
  const text = [scriptText, ...Object.values(job.ownVariables)].join('\n');

  const selectors = jobWideSelectors(job, commands);
  const selected = (p: Placed) =>
    p.cluster!.choosesContext ||
    selectors.all.length > 0 ||
    assigns(p.shell.assignments, 'KUBECONFIG') ||
    // Only helm is known to read HELM_KUBECONTEXT; whether helmfile passes it on is unverified.
    (p.cluster!.tool === 'helm' &&
      (selectors.helm.length > 0 || assigns(p.shell.assignments, 'HELM_KUBECONTEXT')));
  const clusterCommands = placed.filter((p) => p.cluster);
  const unselected = clusterCommands.filter((p) => !selected(p));

  const findings: Finding[] = [...gateFindings(job, scriptText)];
  const certificate = certificateFinding(job, text);
  if (certificate) findings.push(certificate);
  const autoDevops = autoDevopsFinding(job, commands);
  if (autoDevops) findings.push(autoDevops);
  if (unselected.length) findings.push(implicitFinding(unselected));
  else if (clusterCommands.length || selectors.all.length || selectors.helm.length) {
    const how = [...selectors.all, ...selectors.helm];
    findings.push({
      verdict: 'selects-context',
      evidence: how.length
        ? `chooses its context with ${list(how)}`
        : `names the context on each command (${unique(clusterCommands.map((p) => p.cluster!.label)).join(', ')})`,
      fix: null,
      fixAction: null,
    });
  }
  const scripts = unique(commands.map(repositoryScript).filter((s) => s != null));
  const looks = scripts.length ? kubernetesLooks(job, placed, scripts, text) : null;
  if (looks)
    findings.push({
      verdict: 'unknown',
      evidence: `runs ${scripts[0]!}, which this audit cannot read, in a job that looks like Kubernetes (${looks})`,
      fix: `Check that ${scripts[0]!} chooses a context (${USE_CONTEXT}) before it talks to the cluster.`,
      fixAction: null,
    });
  findings.push({
    verdict: 'no-kubernetes',
    evidence: 'runs nothing that talks to Kubernetes',
    fix: null,
    fixAction: null,
  });

  return {
    findings: primaryFirst(findings),
    runsBeforeScript: job.sections.before_script.length > 0,
    beforeScriptTalksToCluster: unselected.some((p) => p.section === 'before_script'),
  };
}

/**
 * The verdict, then what it hides that a person (or --fix-ci) must also handle. A fine verdict
 * hides nothing: what comes after it is outranked, not missed. A gate can be dropped
 * automatically only when every gate of the job can.
 */
function primaryFirst(findings: Finding[]): Finding[] {
  const [first, ...rest] = findings as [Finding, ...Finding[]];
  if (VERDICT_CLASS[first.verdict] === 'ok') return [first];
  const hidden = rest.filter((f) => VERDICT_CLASS[f.verdict] !== 'ok');
  const gates = hidden.filter((f) => f.verdict === 'kubernetes-gate');
  const fixAction = gates.some((g) => g.fixAction == null) ? null : first.fixAction;
  return [{ ...first, fixAction }, ...hidden];
}
