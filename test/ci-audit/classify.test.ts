// The CI audit's verdict on each job with an environment: what breaks or stops once certificate
// clusters are off, in which order one finding outranks another, what jobs inherit, and where a
// job is defined (and so whether --fix-ci may change it).
import { describe, expect, it } from 'vitest';
import { auditProject } from '../../src/ci-audit/audit-project.js';
import { classifyJobs } from '../../src/ci-audit/classify.js';
import { ciConfigLocation } from '../../src/ci-audit/config-path.js';
import { agentAwareCondition } from '../../src/ci-audit/kubernetes-gate.js';
import type { AuditedJob, CiSources } from '../../src/ci-audit/types.js';
import { UserError } from '../../src/errors.js';

const MAIN = '.gitlab-ci.yml';

function audit(yaml: string, extra: Partial<CiSources> = {}): AuditedJob[] {
  return classifyJobs({
    mergedYaml: yaml,
    includes: [],
    projectFiles: { [MAIN]: yaml },
    mainFile: MAIN,
    ...extra,
  });
}

/** The one job `deploy` (environment production) with `body` as its other keys. */
const deployJob = (body: string) =>
  `deploy:\n  environment: production\n${body
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;

function only(yaml: string): AuditedJob {
  const jobs = audit(yaml);
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

describe('classifyJobs: verdicts', () => {
  it.each([
    // [what, job body, verdict, evidence, fixAction]
    [
      'no cluster tool',
      'script: [npm ci, npm run build]',
      'no-kubernetes',
      'runs nothing that talks to Kubernetes',
      null,
    ],
    [
      'kubectl apply',
      'script: [kubectl apply -f k8s/]',
      'implicit-context',
      'runs kubectl apply without choosing a context',
      'select-context',
    ],
    [
      'kubectl apply -k',
      'script: [kubectl apply -k overlays/prod]',
      'implicit-context',
      'runs kubectl apply without choosing a context',
      'select-context',
    ],
    [
      'a global flag before the subcommand',
      'script: [kubectl -n prod rollout status deploy/app]',
      'implicit-context',
      'runs kubectl rollout without',
      'select-context',
    ],
    [
      'kubectl through a full path and sudo',
      'script: [sudo /usr/local/bin/kubectl get pods]',
      'implicit-context',
      'runs kubectl get without',
      'select-context',
    ],
    [
      'kubectl inside sh -c',
      `script: ['sh -c "kubectl delete pod x"']`,
      'implicit-context',
      'runs kubectl delete',
      'select-context',
    ],
    [
      'kubectl inside $(...)',
      `script: ['echo "$(kubectl get ns -o name)"']`,
      'implicit-context',
      'runs kubectl get',
      'select-context',
    ],
    [
      'kubectl after a pipe',
      'script: [kustomize build . | kubectl apply -f -]',
      'implicit-context',
      'runs kubectl apply',
      'select-context',
    ],
    [
      'helm only',
      'script: [helm upgrade --install app ./chart]',
      'implicit-context',
      'runs helm upgrade without choosing a context',
      'helm-context-variable',
    ],
    [
      'helm and kubectl',
      'script: [helm upgrade app ./chart, kubectl get pods]',
      'implicit-context',
      'runs helm upgrade and kubectl get without',
      'select-context',
    ],
    [
      'helmfile',
      'script: [helmfile apply]',
      'implicit-context',
      'runs helmfile apply without',
      null,
    ],
    [
      'offline uses of the tools',
      'script: [kubectl version --client, helm template . > out.yaml, helm repo add x https://x, kustomize build .]',
      'no-kubernetes',
      'runs nothing',
      null,
    ],
    [
      'kubectl config use-context',
      'script: [kubectl config use-context "$KUBE_CONTEXT", kubectl apply -f k8s/]',
      'selects-context',
      'chooses its context with kubectl config use-context $KUBE_CONTEXT',
      null,
    ],
    [
      'kubectl --context on each command',
      'script: [kubectl --context=a get pods, kubectl apply --context b -f x]',
      'selects-context',
      'names the context on each command (kubectl get, kubectl apply)',
      null,
    ],
    [
      'helm --kube-context',
      'script: [helm upgrade --kube-context "$KUBE_CONTEXT" app ./chart]',
      'selects-context',
      'names the context on each command (helm upgrade)',
      null,
    ],
    [
      'HELM_KUBECONTEXT in variables',
      'variables: {HELM_KUBECONTEXT: $KUBE_CONTEXT}\nscript: [helm upgrade app ./chart]',
      'selects-context',
      'chooses its context with HELM_KUBECONTEXT',
      null,
    ],
    [
      'HELM_KUBECONTEXT exported',
      'script: [export HELM_KUBECONTEXT=$KUBE_CONTEXT, helm upgrade app ./chart]',
      'selects-context',
      'HELM_KUBECONTEXT',
      null,
    ],
    [
      'its own KUBECONFIG variable',
      'variables: {KUBECONFIG: /tmp/kubeconfig}\nscript: [kubectl apply -f k8s/]',
      'selects-context',
      'chooses its context with its own KUBECONFIG',
      null,
    ],
    [
      'its own KUBECONFIG exported',
      'script: [echo "$CFG" > kc, export KUBECONFIG=$PWD/kc, kubectl apply -f k8s/]',
      'selects-context',
      'its own KUBECONFIG',
      null,
    ],
    [
      'KUBECONFIG on the command',
      'script: [KUBECONFIG=kc kubectl apply -f k8s/]',
      'selects-context',
      'names the context on each command',
      null,
    ],
    [
      'a context on one command only',
      'script: [kubectl --context a get pods, kubectl apply -f x]',
      'implicit-context',
      'runs kubectl apply without',
      'select-context',
    ],
    [
      'HELM_KUBECONTEXT does not cover kubectl',
      'variables: {HELM_KUBECONTEXT: $KUBE_CONTEXT}\nscript: [helm upgrade app ./c, kubectl get pods]',
      'implicit-context',
      'runs kubectl get without',
      'select-context',
    ],
    [
      'HELM_KUBECONTEXT is not trusted for helmfile',
      'variables: {HELM_KUBECONTEXT: $KUBE_CONTEXT}\nscript: [helmfile sync]',
      'implicit-context',
      'runs helmfile sync without',
      null,
    ],
    [
      'KUBECONFIG set to itself',
      'variables: {KUBECONFIG: $KUBECONFIG}\nscript: [kubectl apply -f k8s/]',
      'implicit-context',
      'runs kubectl apply',
      'select-context',
    ],
    [
      '$KUBE_URL',
      'script: [kubectl --server "$KUBE_URL" --token "$KUBE_TOKEN" apply -f x]',
      'certificate-variables',
      'uses $KUBE_URL and $KUBE_TOKEN, which only certificate clusters provide',
      null,
    ],
    [
      '${KUBE_CA_PEM_FILE}',
      'script: [\'curl --cacert "${KUBE_CA_PEM_FILE}" https://k8s\']',
      'certificate-variables',
      'uses $KUBE_CA_PEM_FILE,',
      null,
    ],
    [
      '$KUBE_CA_PEM in a job variable',
      'variables: {CA: $KUBE_CA_PEM}\nscript: [./deploy.sh]',
      'certificate-variables',
      'uses $KUBE_CA_PEM,',
      null,
    ],
    [
      'the gitlab-deploy context',
      'script: [kubectl config use-context gitlab-deploy, kubectl get pods]',
      'certificate-variables',
      'uses the gitlab-deploy context',
      null,
    ],
    [
      'a variable that only looks alike',
      'script: [echo $KUBE_URL_OVERRIDE $KUBE_TOKENS]',
      'no-kubernetes',
      'runs nothing',
      null,
    ],
    [
      'only: kubernetes: active',
      'only: {kubernetes: active}\nscript: [echo deploy]',
      'kubernetes-gate',
      'has only: kubernetes: active',
      'drop-kubernetes-gate',
    ],
    [
      'except: kubernetes: active',
      'except: {kubernetes: active}\nscript: [echo deploy]',
      'kubernetes-gate',
      'has except: kubernetes: active, so it starts running once certificate clusters are off',
      null,
    ],
    [
      'rules: if: $CI_KUBERNETES_ACTIVE',
      "rules: [{if: '$CI_KUBERNETES_ACTIVE'}]\nscript: [echo deploy]",
      'kubernetes-gate',
      'has rules: if: "$CI_KUBERNETES_ACTIVE", which tests',
      'drop-kubernetes-gate',
    ],
    [
      'a rule only a person can rewrite',
      `rules: [{if: '$CI_KUBERNETES_ACTIVE == "true"'}]\nscript: [echo deploy]`,
      'kubernetes-gate',
      'tests $CI_KUBERNETES_ACTIVE',
      null,
    ],
    [
      '$CI_KUBERNETES_ACTIVE in a script',
      `script: ['if [ -n "$CI_KUBERNETES_ACTIVE" ]; then echo on; fi']`,
      'kubernetes-gate',
      'its script tests $CI_KUBERNETES_ACTIVE',
      null,
    ],
    [
      "Auto DevOps's own rule and auto-deploy",
      `rules:\n  - if: '($CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == "") && ($KUBECONFIG == null || $KUBECONFIG == "")'\n    when: never\n  - if: $CI_COMMIT_BRANCH\nscript:\n  - auto-deploy use_kube_context || true\n  - auto-deploy deploy`,
      'auto-devops',
      'runs auto-deploy, which selects the context KUBE_CONTEXT names',
      null,
    ],
    [
      "DAST's agent-aware rule",
      `rules: [{if: '$CI_COMMIT_BRANCH && ($CI_KUBERNETES_ACTIVE || $KUBECONFIG)'}]\nscript: [echo scan]`,
      'no-kubernetes',
      'runs nothing',
      null,
    ],
    [
      'the auto-deploy image',
      'image: "${CI_TEMPLATE_REGISTRY_HOST}/gitlab-org/cluster-integration/auto-deploy-image:v2.118.0"\nscript: [deploy]',
      'auto-devops',
      "runs in GitLab's auto-deploy image",
      null,
    ],
    [
      'a script in a kubectl image',
      'image: bitnami/kubectl:1.30\nscript: [./deploy.sh]',
      'unknown',
      'runs ./deploy.sh, which this audit cannot read, in a job that looks like Kubernetes (image bitnami/kubectl:1.30)',
      null,
    ],
    [
      'bash with a Kubernetes-named script',
      'script: [bash scripts/k8s-rollout.sh production]',
      'unknown',
      'runs scripts/k8s-rollout.sh, which this audit cannot read, in a job that looks like Kubernetes (script scripts/k8s-rollout.sh)',
      null,
    ],
    [
      'make reading KUBE_NAMESPACE',
      'script: [make deploy NS=$KUBE_NAMESPACE]',
      'unknown',
      'runs make deploy, which this audit cannot read, in a job that looks like Kubernetes (uses $KUBE_NAMESPACE)',
      null,
    ],
    [
      'python next to helm lint',
      'script: [helm lint chart, python3 deploy.py]',
      'unknown',
      'looks like Kubernetes (runs helm lint)',
      null,
    ],
    [
      'a script in a plain job',
      'image: alpine\nscript: [./deploy.sh]',
      'no-kubernetes',
      'runs nothing',
      null,
    ],
    [
      'python -m is no script file',
      'image: bitnami/kubectl\nscript: [python -m pip install x]',
      'no-kubernetes',
      'runs nothing',
      null,
    ],
    [
      'a selected context and a script',
      'image: bitnami/kubectl\nscript: [kubectl config use-context "$KUBE_CONTEXT", ./deploy.sh]',
      'selects-context',
      'kubectl config use-context',
      null,
    ],
  ])('%s → %s', (_what, body, verdict, evidence, fixAction) => {
    const job = only(deployJob(body));
    expect(job.verdict).toBe(verdict);
    expect(job.cause).toBe(verdict);
    expect(job.evidence).toContain(evidence);
    expect(job.fixAction).toBe(fixAction);
    expect(job.fix == null).toBe(
      ['auto-devops', 'selects-context', 'no-kubernetes'].includes(verdict),
    );
  });
});

describe('classifyJobs: precedence', () => {
  it('a job that selects a context and uses KUBE_URL needs its certificate variables changed', () => {
    const job = only(
      deployJob(
        'script: [kubectl config use-context "$KUBE_CONTEXT", \'curl "$KUBE_URL/healthz"\']',
      ),
    );
    expect(job.verdict).toBe('certificate-variables');
    expect(job.fix).toBe(
      'Drop $KUBE_URL and use the agent\'s KUBECONFIG after kubectl config use-context "$KUBE_CONTEXT".',
    );
  });

  it('a gate outranks what else breaks, which stays listed so dropping the gate is not all', () => {
    const job = only(deployJob('only: {kubernetes: active}\nscript: [kubectl apply -f k8s/]'));
    expect(job.verdict).toBe('kubernetes-gate');
    expect(job.fixAction).toBe('drop-kubernetes-gate');
    expect(job.alsoFound).toEqual([
      {
        verdict: 'implicit-context',
        evidence: 'runs kubectl apply without choosing a context',
        fix: 'Run kubectl config use-context "$KUBE_CONTEXT" before the first kubectl.',
        fixAction: 'select-context',
      },
    ]);
  });

  it('a gate --fix-ci cannot drop as well keeps the whole gate for a person', () => {
    const job = only(
      deployJob(
        `only: {kubernetes: active}\nscript: ['[ -n "$CI_KUBERNETES_ACTIVE" ] && kubectl get pods']`,
      ),
    );
    expect(job.verdict).toBe('kubernetes-gate');
    expect(job.evidence).toContain('only: kubernetes: active');
    expect(job.fixAction).toBeNull();
    expect(job.alsoFound.map((f) => f.verdict)).toEqual(['kubernetes-gate', 'implicit-context']);
  });

  it('a fine verdict hides nothing', () => {
    const job = only(deployJob('script: [auto-deploy deploy, ./extra.sh]\nimage: bitnami/kubectl'));
    expect(job.verdict).toBe('auto-devops');
    expect(job.alsoFound).toEqual([]);
  });
});

describe('classifyJobs: which jobs', () => {
  const config = `
stages: [deploy]
variables: {A: b}
default: {image: alpine}
workflow: {rules: [{when: always}]}
include: []
.template:
  environment: production
  script: [kubectl apply -f k8s/]
build:
  script: [kubectl apply -f k8s/]
string:
  environment: review/$CI_COMMIT_REF_NAME
  script: [echo]
mapping:
  environment: {name: "review/$CI_COMMIT_REF_SLUG", action: stop}
  script: [echo]
`;

  it('keeps visible jobs with an environment, named as written, in file order', () => {
    expect(audit(config).map((j) => [j.name, j.environment])).toEqual([
      ['string', 'review/$CI_COMMIT_REF_NAME'],
      ['mapping', 'review/$CI_COMMIT_REF_SLUG'],
    ]);
  });

  it('throws UserError on merged YAML that does not parse', () => {
    expect(() => audit('deploy: [unclosed')).toThrow(UserError);
  });
});

describe('classifyJobs: what a job inherits', () => {
  const kubectlDefault = 'default:\n  before_script: [kubectl get ns]\n';

  it.each([
    [
      'default before_script',
      `${kubectlDefault}${deployJob('script: [echo]')}`,
      'implicit-context',
      true,
      true,
    ],
    [
      'the old top-level before_script',
      `before_script: [kubectl get ns]\n${deployJob('script: [echo]')}`,
      'implicit-context',
      true,
      true,
    ],
    [
      'default: before_script wins over the top level',
      `before_script: [kubectl get ns]\ndefault: {before_script: [echo hi]}\n${deployJob('script: [echo]')}`,
      'no-kubernetes',
      true,
      false,
    ],
    [
      'inherit: default: false',
      `${kubectlDefault}${deployJob('inherit: {default: false}\nscript: [echo]')}`,
      'no-kubernetes',
      false,
      false,
    ],
    [
      'inherit: default: a list without before_script',
      `${kubectlDefault}${deployJob('inherit: {default: [image]}\nscript: [echo]')}`,
      'no-kubernetes',
      false,
      false,
    ],
    [
      'inherit: default: a list with before_script',
      `${kubectlDefault}${deployJob('inherit: {default: [before_script]}\nscript: [echo]')}`,
      'implicit-context',
      true,
      true,
    ],
    [
      "the job's own before_script",
      `${kubectlDefault}${deployJob('before_script: [echo own]\nscript: [echo]')}`,
      'no-kubernetes',
      true,
      false,
    ],
    [
      'default after_script',
      `default: {after_script: [helm status app]}\n${deployJob('script: [echo]')}`,
      'implicit-context',
      false,
      false,
    ],
    [
      'default image',
      `default: {image: dtzar/helm-kubectl}\n${deployJob('script: [./deploy.sh]')}`,
      'unknown',
      false,
      false,
    ],
    [
      'top-level KUBECONFIG',
      `variables: {KUBECONFIG: /builds/kc}\n${deployJob('script: [kubectl get pods]')}`,
      'selects-context',
      false,
      false,
    ],
    [
      'inherit: variables: false',
      `variables: {KUBECONFIG: /builds/kc}\n${deployJob('inherit: {variables: false}\nscript: [kubectl get pods]')}`,
      'implicit-context',
      false,
      false,
    ],
  ])('%s', (_what, yaml, verdict, runsBeforeScript, beforeScriptTalksToCluster) => {
    const job = only(yaml);
    expect(job.verdict).toBe(verdict);
    expect(job.runsBeforeScript).toBe(runsBeforeScript);
    expect(job.beforeScriptTalksToCluster).toBe(beforeScriptTalksToCluster);
  });
});

describe('classifyJobs: where a job is defined', () => {
  const fromTemplate = deployJob('script: [kubectl apply -f k8s/]');
  const okFromTemplate = `review:\n  environment: review\n  script: [auto-deploy deploy]\n`;
  const ownFile = `include:\n  - template: Jobs/Deploy.gitlab-ci.yml\nbuild:\n  script: [make]\n`;
  const template = { type: 'template', location: 'Jobs/Deploy.gitlab-ci.yml' };
  const remote = { type: 'remote', location: 'https://example.com/ci.yml' };

  it('a breaking job only an include defines needs a person, keeping the reason', () => {
    const [job] = audit(fromTemplate + okFromTemplate, {
      projectFiles: { [MAIN]: ownFile },
      includes: [template],
    });
    expect(job).toMatchObject({
      verdict: 'not-editable',
      cause: 'implicit-context',
      evidence: 'runs kubectl apply without choosing a context',
      fixAction: null,
      definedIn: { kind: 'include', ...template },
    });
    expect(job!.definedIn).not.toHaveProperty('oneOf');
    expect(job!.fix).toBe(
      'The job comes from template Jobs/Deploy.gitlab-ci.yml, which this project cannot edit: override it in .gitlab-ci.yml or ask the include\'s owners. Run kubectl config use-context "$KUBE_CONTEXT" before the first kubectl.',
    );
  });

  it('a fine job from an include stays fine', () => {
    const jobs = audit(fromTemplate + okFromTemplate, {
      projectFiles: { [MAIN]: ownFile },
      includes: [template],
    });
    expect(jobs[1]).toMatchObject({ verdict: 'auto-devops', definedIn: { kind: 'include' } });
  });

  it('with several includes it names the first as one of them', () => {
    const [job] = audit(fromTemplate, {
      projectFiles: { [MAIN]: ownFile },
      includes: [{ type: 'local', location: '/ci/own.yml' }, remote, template],
    });
    expect(job!.definedIn).toEqual({ kind: 'include', ...remote, oneOf: true });
    expect(job!.fix).toContain('one of the includes (first: remote https://example.com/ci.yml)');
  });

  it.each([
    [[{ type: 'local', location: '/ci/missing.yml' }], 'local /ci/missing.yml'],
    [[], 'a file this audit was not given'],
  ])('without a non-local include it names what it was not given (%o)', (includes, where) => {
    const [job] = audit(fromTemplate, { projectFiles: { [MAIN]: ownFile }, includes });
    expect(job!.verdict).toBe('not-editable');
    expect(job!.fix).toContain(`The job comes from ${where}, which this project cannot edit`);
  });

  it('finds a job in a local include, the main file first, whatever the leading slash', () => {
    const local = `spec:\n  inputs:\n    stage: {default: deploy}\n---\n${fromTemplate}`;
    const includes = [{ type: 'local', location: '/ci/deploy.yml' }, template];
    const inLocal = audit(fromTemplate, {
      projectFiles: { [MAIN]: ownFile, 'ci/deploy.yml': local },
      includes,
    });
    expect(inLocal[0]).toMatchObject({
      verdict: 'implicit-context',
      fixAction: 'select-context',
      definedIn: { kind: 'project-file', path: 'ci/deploy.yml' },
    });
    const override = `${ownFile}${fromTemplate}`;
    const inMain = audit(fromTemplate, {
      projectFiles: { 'ci/deploy.yml': local, [MAIN]: override },
      includes,
    });
    expect(inMain[0]!.definedIn).toEqual({ kind: 'project-file', path: MAIN });
  });
});

describe('auditProject', () => {
  const sources: CiSources = {
    mergedYaml: deployJob('script: [kubectl apply -f k8s/]'),
    includes: [{ type: 'template', location: 'Auto-DevOps.gitlab-ci.yml' }],
    projectFiles: {},
    mainFile: '',
  };

  it('classifies Auto DevOps without a file like any configuration, its jobs in templates', () => {
    const result = auditProject('acme/web', {
      kind: 'merged',
      source: 'auto-devops',
      configPath: 'Auto-DevOps.gitlab-ci.yml',
      sources,
    });
    expect(result).toMatchObject({ project: 'acme/web', source: 'auto-devops', problem: null });
    expect(result.jobs.map((j) => [j.verdict, j.cause])).toEqual([
      ['not-editable', 'implicit-context'],
    ]);
    expect(result.jobs[0]!.fix).toContain('override it in a .gitlab-ci.yml');
  });

  it.each([
    [
      {
        kind: 'merged',
        source: 'external',
        configPath: 'ci.yml@acme/ci',
        sources: { ...sources, mergedYaml: 'test:\n  script: [make test]\n' },
      },
      { source: 'external', problem: null },
    ],
    [
      { kind: 'none', configPath: '.gitlab-ci.yml' },
      { source: 'none', problem: null },
    ],
    [
      {
        kind: 'unreadable',
        source: 'file',
        configPath: '.gitlab-ci.yml',
        problem: 'jobs:deploy config should implement a script: or a trigger: keyword',
      },
      {
        source: 'file',
        problem: 'jobs:deploy config should implement a script: or a trigger: keyword',
      },
    ],
    [
      {
        kind: 'merged',
        source: 'file',
        configPath: '.gitlab-ci.yml',
        sources: { ...sources, mergedYaml: 'a: [' },
      },
      { source: 'file', problem: expect.stringContaining('not valid YAML') as string },
    ],
  ] as const)('%o', (input, expected) => {
    expect(auditProject('acme/web', input)).toEqual({
      project: 'acme/web',
      configPath: input.configPath,
      jobs: [],
      ...expected,
    });
  });
});

describe('ciConfigLocation', () => {
  it.each([
    [null, 'repository', '.gitlab-ci.yml'],
    ['', 'repository', '.gitlab-ci.yml'],
    ['ci/pipeline.yml', 'repository', 'ci/pipeline.yml'],
    ['ci/pipeline.yml@acme/ci-templates', 'external', 'ci/pipeline.yml@acme/ci-templates'],
    ['.gitlab-ci.yaml@acme/ci:v1', 'external', '.gitlab-ci.yaml@acme/ci:v1'],
    ['https://example.com/ci.yml', 'external', 'https://example.com/ci.yml'],
    ['ci/user@example.txt', 'repository', 'ci/user@example.txt'],
  ])('%s → %s', (setting, kind, path) => {
    expect(ciConfigLocation(setting)).toEqual({ kind, path });
  });
});

describe('agentAwareCondition', () => {
  const K8S_RULE =
    '($CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == "") && ($KUBECONFIG == null || $KUBECONFIG == "")';
  it.each([
    ['$CI_KUBERNETES_ACTIVE', '$CI_KUBERNETES_ACTIVE || $KUBECONFIG'],
    [
      '$CI_KUBERNETES_ACTIVE && $CI_COMMIT_BRANCH == "main"',
      '($CI_KUBERNETES_ACTIVE || $KUBECONFIG) && $CI_COMMIT_BRANCH == "main"',
    ],
    ['$CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == ""', K8S_RULE],
    ["$CI_KUBERNETES_ACTIVE == '' || $CI_KUBERNETES_ACTIVE == null", K8S_RULE],
    ['$CI_KUBERNETES_ACTIVE == null', K8S_RULE],
    [
      '$CI_COMMIT_TAG && ($CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == "")',
      `$CI_COMMIT_TAG && (${K8S_RULE})`,
    ],
  ])('%s', (expression, expected) => {
    expect(agentAwareCondition(expression)).toEqual({ expression: expected });
  });

  it.each([
    '$CI_KUBERNETES_ACTIVE == "true"',
    '$CI_KUBERNETES_ACTIVE != null',
    '${CI_KUBERNETES_ACTIVE}',
    '"true" == $CI_KUBERNETES_ACTIVE',
  ])('leaves %s to a person', (expression) => {
    expect(agentAwareCondition(expression)).toEqual({
      problem: `rules: if: ${JSON.stringify(expression)} compares $CI_KUBERNETES_ACTIVE in a way migrate-clusters does not rewrite`,
    });
  });
});
