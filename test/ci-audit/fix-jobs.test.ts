// --fix-ci on the user's CI file: each change lands where the job needs it, everything else of
// theirs (comments, order, quoting, line ends, indentation) stays, a second run changes nothing,
// and what cannot be changed safely is skipped with the reason.
import { describe, expect, it } from 'vitest';
import { classifyJobs } from '../../src/ci-audit/classify.js';
import { fixCiFile, fixesForFile, type JobFix } from '../../src/ci-audit/fix-jobs.js';
import { UserError } from '../../src/errors.js';

const PATH = '.gitlab-ci.yml';
const fix = (text: string, fixes: JobFix[]) => fixCiFile(text, PATH, fixes);
const selectContext = (extra: Partial<JobFix> = {}): JobFix[] => [
  { job: 'deploy', action: 'select-context', ...extra },
];

const USER_FILE = `# Deploys the shop.
stages: [build, deploy]

deploy:
  stage: deploy   # after build
  environment: production
  # Apply the manifests.
  script:
    - 'kubectl apply -f k8s/'   # single-quoted on purpose
    - kubectl rollout status deploy/shop

chart:
  environment: {name: staging}
  script: helm upgrade --install shop ./chart # one line

gated:
  environment: production
  only:
    refs: [main]
    kubernetes: active
  rules_note: kept
# closing comment
`;

describe('fixCiFile', () => {
  it('makes each change and keeps comments, order and quoting', () => {
    const result = fix(USER_FILE, [
      { job: 'deploy', action: 'select-context' },
      { job: 'chart', action: 'helm-context-variable' },
      { job: 'gated', action: 'drop-kubernetes-gate' },
    ]);
    expect(result.content).toBe(`# Deploys the shop.
stages: [build, deploy]

deploy:
  stage: deploy # after build
  environment: production
  # Apply the manifests.
  script:
    - kubectl config use-context "$KUBE_CONTEXT"
    - 'kubectl apply -f k8s/' # single-quoted on purpose
    - kubectl rollout status deploy/shop

chart:
  environment: {name: staging}
  variables:
    HELM_KUBECONTEXT: $KUBE_CONTEXT
  script: helm upgrade --install shop ./chart # one line

gated:
  environment: production
  only:
    refs: [main]
  rules_note: kept
# closing comment
`);
    expect(result.changed).toEqual(['deploy', 'chart', 'gated']);
    expect(result.skipped).toEqual([]);
  });

  it('changes nothing on a second run, and gives back the text byte for byte', () => {
    const fixes: JobFix[] = [
      { job: 'deploy', action: 'select-context' },
      { job: 'chart', action: 'helm-context-variable' },
      { job: 'chart', action: 'select-context' },
    ];
    const once = fix(USER_FILE, fixes).content;
    const twice = fix(once, fixes);
    expect(twice).toEqual({ content: once, changed: [], skipped: [] });
    expect(once.match(/use-context/g)).toHaveLength(2);
  });

  it('keeps CRLF line ends and four-space indentation', () => {
    const crlf = [
      'deploy:',
      '    environment: production',
      '    script:',
      '        - kubectl apply -f k8s/',
      '',
    ].join('\r\n');
    expect(fix(crlf, selectContext()).content).toBe(
      [
        'deploy:',
        '    environment: production',
        '    script:',
        '        - kubectl config use-context "$KUBE_CONTEXT"',
        '        - kubectl apply -f k8s/',
        '',
      ].join('\r\n'),
    );
  });

  it('edits the job after an include spec: header', () => {
    const text = `spec:\n  inputs:\n    env:\n---\ndeploy:\n  environment: $[[ inputs.env ]]\n  script: [kubectl apply -f k8s/]\n`;
    expect(fix(text, selectContext()).content).toBe(
      `spec:\n  inputs:\n    env:\n---\ndeploy:\n  environment: $[[ inputs.env ]]\n  script: [kubectl config use-context "$KUBE_CONTEXT", kubectl apply -f k8s/]\n`,
    );
  });

  it('throws UserError on a file that is not YAML', () => {
    expect(() => fix('deploy: [unclosed\n', selectContext())).toThrow(UserError);
  });
});

describe('fixCiFile: select-context', () => {
  it.each([
    [
      'a scalar script becomes a list, the original second',
      'deploy:\n  script: kubectl apply -f k8s/ # all of it\n',
      {},
      'deploy:\n  script:\n    - kubectl config use-context "$KUBE_CONTEXT"\n    - kubectl apply -f k8s/ # all of it\n',
    ],
    [
      'a block scalar script keeps its style',
      'deploy:\n  script: |\n    kubectl apply -f k8s/\n    kubectl get pods\n',
      {},
      'deploy:\n  script:\n    - kubectl config use-context "$KUBE_CONTEXT"\n    - |\n      kubectl apply -f k8s/\n      kubectl get pods\n',
    ],
    [
      'no script here: its own before_script',
      'deploy:\n  extends: .k8s\n  before_script:\n    - echo start\n',
      { inheritsBeforeScript: true },
      'deploy:\n  extends: .k8s\n  before_script:\n    - kubectl config use-context "$KUBE_CONTEXT"\n    - echo start\n',
    ],
    [
      'no script or before_script here, none inherited: a new before_script',
      'deploy:\n  extends: .k8s\n  environment: production\n',
      { inheritsBeforeScript: false },
      'deploy:\n  extends: .k8s\n  environment: production\n  before_script:\n    - kubectl config use-context "$KUBE_CONTEXT"\n',
    ],
    [
      'kubectl in before_script: the context goes there, not in script',
      'deploy:\n  before_script: [kubectl get ns]\n  script: [kubectl apply -f x]\n',
      { beforeScriptTalksToCluster: true },
      'deploy:\n  before_script: [kubectl config use-context "$KUBE_CONTEXT", kubectl get ns]\n  script: [kubectl apply -f x]\n',
    ],
    [
      'a script with !reference items is still its own list',
      'deploy:\n  script:\n    - !reference [.setup, script]\n    - kubectl apply -f x\n',
      {},
      'deploy:\n  script:\n    - kubectl config use-context "$KUBE_CONTEXT"\n    - !reference [.setup, script]\n    - kubectl apply -f x\n',
    ],
  ])('%s', (_what, text, hints, expected) => {
    const result = fix(text, selectContext(hints));
    expect(result).toEqual({ content: expected, changed: ['deploy'], skipped: [] });
    expect(fix(result.content, selectContext(hints)).changed).toEqual([]);
  });

  it.each([
    [
      'an inherited before_script',
      'deploy:\n  extends: .k8s\n',
      { inheritsBeforeScript: true },
      'its script and before_script come from extends or default; a before_script here would replace the inherited one, so merge the line into it by hand',
    ],
    [
      'nobody said whether a before_script is inherited',
      'deploy:\n  extends: .k8s\n',
      {},
      'its script comes from extends or default, and nothing says whether it inherits a before_script that one added here would replace',
    ],
    [
      'kubectl in an inherited before_script',
      'deploy:\n  script: [kubectl apply -f x]\n',
      { beforeScriptTalksToCluster: true },
      'its before_script talks to the cluster and comes from extends or default: choose the context at the start of that before_script',
    ],
    [
      'a script that is a !reference',
      'deploy:\n  script: !reference [.k8s, script]\n',
      {},
      'script is a !reference to another job',
    ],
    [
      'a script shared through an anchor',
      'deploy:\n  script: &steps [kubectl apply -f x]\nother:\n  script: *steps\n',
      {},
      'script has the anchor &steps, so other jobs may share it',
    ],
    [
      'a script that is an alias',
      '.steps: &steps [kubectl apply -f x]\ndeploy:\n  script: *steps\n',
      {},
      'script is a YAML alias (*steps), shared with another place',
    ],
    [
      'a job with a merge key',
      '.base: &base {script: [kubectl apply -f x]}\ndeploy:\n  <<: *base\n  environment: production\n',
      {},
      'the job deploy merges another mapping (<<), which would change with it',
    ],
    [
      'a job that is an alias',
      '.base: &base {script: [kubectl apply -f x]}\ndeploy: *base\n',
      {},
      'the job deploy is a YAML alias (*base), shared with another place',
    ],
    ['a job not in the file', 'build:\n  script: [make]\n', {}, 'no job deploy in .gitlab-ci.yml'],
  ])('skips %s', (_what, text, hints, reason) => {
    expect(fix(text, selectContext(hints))).toEqual({
      content: text,
      changed: [],
      skipped: [{ job: 'deploy', reason }],
    });
  });
});

describe('fixCiFile: helm-context-variable', () => {
  const helm = (text: string) => fix(text, [{ job: 'chart', action: 'helm-context-variable' }]);

  it.each([
    [
      'into existing variables',
      'chart:\n  variables:\n    RELEASE: shop # the release\n  script: [helm upgrade shop ./chart]\n',
      'chart:\n  variables:\n    RELEASE: shop # the release\n    HELM_KUBECONTEXT: $KUBE_CONTEXT\n  script: [helm upgrade shop ./chart]\n',
    ],
    [
      'into an empty variables key',
      'chart:\n  variables:\n  script: [helm upgrade shop ./chart]\n',
      'chart:\n  variables:\n    HELM_KUBECONTEXT: $KUBE_CONTEXT\n  script: [helm upgrade shop ./chart]\n',
    ],
    [
      'at the end of a job without scripts here',
      'chart:\n  extends: .helm\n',
      'chart:\n  extends: .helm\n  variables:\n    HELM_KUBECONTEXT: $KUBE_CONTEXT\n',
    ],
  ])('%s', (_what, text, expected) => {
    expect(helm(text)).toEqual({ content: expected, changed: ['chart'], skipped: [] });
  });

  it('leaves a HELM_KUBECONTEXT the job already sets', () => {
    const text = 'chart:\n  variables: {HELM_KUBECONTEXT: other}\n';
    expect(helm(text)).toEqual({ content: text, changed: [], skipped: [] });
  });

  it('skips variables shared with other jobs', () => {
    const text = 'chart:\n  variables: &vars {A: b}\nother:\n  variables: *vars\n';
    expect(helm(text).skipped).toEqual([
      { job: 'chart', reason: 'variables has the anchor &vars, so other jobs may share it' },
    ]);
  });
});

describe('fixCiFile: drop-kubernetes-gate', () => {
  const K8S_RULE = `'($CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == "") && ($KUBECONFIG == null || $KUBECONFIG == "")'`;
  const drop = (text: string) => fix(text, [{ job: 'deploy', action: 'drop-kubernetes-gate' }]);

  it.each([
    [
      'only: with nothing else goes',
      'deploy:\n  only:\n    kubernetes: active\n  script: [x]\n',
      'deploy:\n  script: [x]\n',
    ],
    [
      'a flow only: keeps its refs',
      'deploy:\n  only: {refs: [main], kubernetes: active}\n',
      'deploy:\n  only: {refs: [main]}\n',
    ],
    [
      'a presence test widens, quoting kept',
      `deploy:\n  rules:\n    - if: '$CI_KUBERNETES_ACTIVE && $CI_COMMIT_TAG' # tags\n      when: manual\n`,
      `deploy:\n  rules:\n    - if: '($CI_KUBERNETES_ACTIVE || $KUBECONFIG) && $CI_COMMIT_TAG' # tags\n      when: manual\n`,
    ],
    [
      "an absence test becomes GitLab's own rule",
      `deploy:\n  rules:\n    - if: '$CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == ""'\n      when: never\n    - when: on_success\n`,
      `deploy:\n  rules:\n    - if: ${K8S_RULE}\n      when: never\n    - when: on_success\n`,
    ],
    [
      'a plain scalar stays plain where it can',
      'deploy:\n  rules:\n    - if: $CI_KUBERNETES_ACTIVE\n',
      'deploy:\n  rules:\n    - if: $CI_KUBERNETES_ACTIVE || $KUBECONFIG\n',
    ],
  ])('%s', (_what, text, expected) => {
    const result = drop(text);
    expect(result).toEqual({ content: expected, changed: ['deploy'], skipped: [] });
    const again = drop(result.content);
    expect(again.content).toBe(result.content);
    expect(again.changed).toEqual([]);
  });

  it('leaves an agent-aware rule alone', () => {
    const text = `deploy:\n  rules:\n    - if: ${K8S_RULE}\n      when: never\n`;
    expect(drop(text)).toEqual({ content: text, changed: [], skipped: [] });
  });

  it.each([
    [
      'except: kubernetes: active',
      'deploy:\n  except:\n    kubernetes: active\n',
      'except: kubernetes: active kept: without it the job would start running where it never ran, which a person decides',
    ],
    [
      'a comparison it does not know',
      `deploy:\n  rules:\n    - if: '$CI_KUBERNETES_ACTIVE == "true"'\n`,
      'rules: if: "$CI_KUBERNETES_ACTIVE == \\"true\\"" compares $CI_KUBERNETES_ACTIVE in a way migrate-clusters does not rewrite',
    ],
    [
      'rules from !reference',
      'deploy:\n  rules: !reference [.k8s, rules]\n',
      'rules is a !reference to another job: change the gate where those rules are written',
    ],
    [
      'a rule shared through an anchor',
      `.rules:\n  - &k8s {if: '$CI_KUBERNETES_ACTIVE'}\ndeploy:\n  rules:\n    - *k8s\n`,
      'rules[0] is a YAML alias (*k8s), shared with another place',
    ],
    [
      'a gate that comes from extends',
      'deploy:\n  extends: [.base, .k8s]\n  script: [x]\n',
      'no kubernetes gate in the job itself: it comes from extends: .base, .k8s',
    ],
  ])('skips %s', (_what, text, reason) => {
    expect(drop(text)).toEqual({
      content: text,
      changed: [],
      skipped: [{ job: 'deploy', reason }],
    });
  });

  it('drops what it can and says what it left', () => {
    const result = drop(
      'deploy:\n  only:\n    kubernetes: active\n  except:\n    kubernetes: active\n',
    );
    expect(result.content).toBe('deploy:\n  except:\n    kubernetes: active\n');
    expect(result.changed).toEqual(['deploy']);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      expect.stringContaining('except: kubernetes: active kept'),
    ]);
  });
});

describe('fixesForFile', () => {
  const main = `default:
  before_script: [echo hi]
gated:
  environment: production
  only: {kubernetes: active}
  script: [kubectl apply -f k8s/]
chart:
  environment: staging
  script: [helm upgrade shop ./chart]
fine:
  environment: production
  script: [kubectl --context a get pods]
`;
  const template = 'remote:\n  environment: production\n  script: [kubectl apply -f x]\n';
  const jobs = classifyJobs({
    mergedYaml: main + template,
    includes: [{ type: 'remote', location: 'https://example.com/ci.yml' }],
    projectFiles: { [PATH]: main, 'ci/other.yml': 'other: {script: [x]}' },
    mainFile: PATH,
  });

  it("lists this file's fixes, with the context a job needs once its gate is gone", () => {
    expect(fixesForFile(jobs, PATH)).toEqual([
      {
        job: 'gated',
        action: 'drop-kubernetes-gate',
        inheritsBeforeScript: true,
        beforeScriptTalksToCluster: false,
      },
      {
        job: 'gated',
        action: 'select-context',
        inheritsBeforeScript: true,
        beforeScriptTalksToCluster: false,
      },
      {
        job: 'chart',
        action: 'helm-context-variable',
        inheritsBeforeScript: true,
        beforeScriptTalksToCluster: false,
      },
    ]);
    expect(fixesForFile(jobs, 'ci/other.yml')).toEqual([]);
  });

  it('leaves a file whose jobs the audit then finds fine', () => {
    const fixed = fixCiFile(main, PATH, fixesForFile(jobs, PATH));
    expect(fixed.changed).toEqual(['gated', 'chart']);
    const again = classifyJobs({
      mergedYaml: fixed.content + template,
      includes: [{ type: 'remote', location: 'https://example.com/ci.yml' }],
      projectFiles: { [PATH]: fixed.content },
      mainFile: PATH,
    });
    expect(again.map((j) => [j.name, j.verdict])).toEqual([
      ['gated', 'selects-context'],
      ['chart', 'selects-context'],
      ['fine', 'selects-context'],
      ['remote', 'not-editable'],
    ]);
  });
});
