// The CI/CD templates the simulator ships for `include: template:` (GitLab's lib/gitlab/ci/templates/,
// looked up by Gitlab::Template::GitlabCiYmlTemplate.find). These are models written for the simulator,
// not copies: they keep what a cluster migration looks at in GitLab's Auto DevOps templates (the deploy
// jobs, their stages and environments, the first rule that skips them when neither a certificate-based
// cluster (CI_KUBERNETES_ACTIVE) nor an agent KUBECONFIG is present, and `auto-deploy use_kube_context`
// before deploying), and leave out the build, test and security jobs. Any other template name is unknown,
// which GitLab reports as "Included file `<name>` is empty or does not exist!".

/**
 * Model of lib/gitlab/ci/templates/Auto-DevOps.gitlab-ci.yml: its stage list and the start of its
 * workflow rules, including only the deploy jobs (GitLab's includes Build, Test, Code-Quality, DAST,
 * the security scanners and more).
 */
const AUTO_DEVOPS = `# Simulator model of GitLab's Auto-DevOps.gitlab-ci.yml (deploy jobs only).
image: alpine:latest

variables:
  POSTGRES_ENABLED: "true"
  ROLLOUT_RESOURCE_TYPE: deployment

stages:
  - build
  - test
  - deploy
  - review
  - dast
  - staging
  - canary
  - production
  - incremental rollout 10%
  - incremental rollout 25%
  - incremental rollout 50%
  - incremental rollout 100%
  - performance
  - cleanup

workflow:
  rules:
    - if: '$BUILDPACK_URL || $AUTO_DEVOPS_EXPLICITLY_ENABLED == "1" || $DOCKERFILE_PATH'
    - exists:
        - Dockerfile
    - exists:
        - package.json
    - exists:
        - go.mod

include:
  - template: Jobs/Deploy.gitlab-ci.yml
`;

/** Every deploy job in GitLab's template carries this rule, word for word (cluster or agent, else skip). */
const SKIP_WITHOUT_KUBERNETES = `    - if: '($CI_KUBERNETES_ACTIVE == null || $CI_KUBERNETES_ACTIVE == "") && ($KUBECONFIG == null || $KUBECONFIG == "")'
      when: never`;

/**
 * Model of lib/gitlab/ci/templates/Jobs/Deploy.gitlab-ci.yml (auto-deploy-image v2.118.0): review and
 * stop_review, staging, canary, production and production_manual. GitLab's file shares the production
 * job body through a YAML anchor and also has the incremental rollout jobs; here every job extends the
 * hidden `.auto-deploy` job (production and production_manual through `.production`). GitLab's canary,
 * production and production_manual check `$CI_DEPLOY_FREEZE` before the Kubernetes rule; here the
 * Kubernetes rule comes first in every job, so a migration check can read it from `rules[0]`.
 */
const JOBS_DEPLOY = `# Simulator model of GitLab's Jobs/Deploy.gitlab-ci.yml.
.auto-deploy:
  image: "\${CI_TEMPLATE_REGISTRY_HOST}/gitlab-org/cluster-integration/auto-deploy-image:v2.118.0"
  dependencies: []

review:
  extends: .auto-deploy
  stage: review
  script:
    - auto-deploy check_kube_domain
    - auto-deploy download_chart
    - auto-deploy use_kube_context || true
    - auto-deploy ensure_namespace
    - auto-deploy create_secret
    - auto-deploy deploy
    - auto-deploy persist_environment_url
  environment:
    name: review/$CI_COMMIT_REF_NAME
    url: http://$CI_PROJECT_ID-$CI_ENVIRONMENT_SLUG.$KUBE_INGRESS_BASE_DOMAIN
    on_stop: stop_review
  artifacts:
    paths: [environment_url.txt]
    when: always
  rules:
${SKIP_WITHOUT_KUBERNETES}
    - if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'
      when: never
    - if: '$REVIEW_DISABLED'
      when: never
    - if: '$CI_COMMIT_TAG || $CI_COMMIT_BRANCH'

stop_review:
  extends: .auto-deploy
  stage: cleanup
  variables:
    GIT_STRATEGY: none
  script:
    - auto-deploy use_kube_context || true
    - auto-deploy delete
  environment:
    name: review/$CI_COMMIT_REF_NAME
    action: stop
  allow_failure: true
  rules:
${SKIP_WITHOUT_KUBERNETES}
    - if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'
      when: never
    - if: '$REVIEW_DISABLED'
      when: never
    - if: '$CI_COMMIT_TAG || $CI_COMMIT_BRANCH'
      when: manual

staging:
  extends: .auto-deploy
  stage: staging
  script:
    - auto-deploy check_kube_domain
    - auto-deploy download_chart
    - auto-deploy use_kube_context || true
    - auto-deploy ensure_namespace
    - auto-deploy create_secret
    - auto-deploy deploy
  environment:
    name: staging
    url: http://$CI_PROJECT_PATH_SLUG-staging.$KUBE_INGRESS_BASE_DOMAIN
  rules:
${SKIP_WITHOUT_KUBERNETES}
    - if: '$CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH'
      when: never
    - if: '$STAGING_ENABLED'

canary:
  extends: .auto-deploy
  stage: canary
  allow_failure: true
  script:
    - auto-deploy check_kube_domain
    - auto-deploy download_chart
    - auto-deploy use_kube_context || true
    - auto-deploy ensure_namespace
    - auto-deploy create_secret
    - auto-deploy deploy canary 50
  environment:
    name: production
    url: http://$CI_PROJECT_PATH_SLUG.$KUBE_INGRESS_BASE_DOMAIN
  rules:
${SKIP_WITHOUT_KUBERNETES}
    - if: '$CI_DEPLOY_FREEZE'
      when: never
    - if: '$CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH'
      when: never
    - if: '$CANARY_ENABLED'
      when: manual

.production:
  extends: .auto-deploy
  stage: production
  script:
    - auto-deploy check_kube_domain
    - auto-deploy download_chart
    - auto-deploy use_kube_context || true
    - auto-deploy ensure_namespace
    - auto-deploy create_secret
    - auto-deploy deploy
    - auto-deploy delete canary
    - auto-deploy persist_environment_url
  environment:
    name: production
    url: http://$CI_PROJECT_PATH_SLUG.$KUBE_INGRESS_BASE_DOMAIN
  artifacts:
    paths: [environment_url.txt]
    when: always

production:
  extends: .production
  rules:
${SKIP_WITHOUT_KUBERNETES}
    - if: '$CI_DEPLOY_FREEZE'
      when: never
    - if: '$STAGING_ENABLED || $CANARY_ENABLED'
      when: never
    - if: '$INCREMENTAL_ROLLOUT_ENABLED || $INCREMENTAL_ROLLOUT_MODE'
      when: never
    - if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'

production_manual:
  extends: .production
  allow_failure: false
  rules:
${SKIP_WITHOUT_KUBERNETES}
    - if: '$CI_DEPLOY_FREEZE'
      when: never
    - if: '$INCREMENTAL_ROLLOUT_ENABLED || $INCREMENTAL_ROLLOUT_MODE'
      when: never
    - if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && ($STAGING_ENABLED || $CANARY_ENABLED)'
      when: manual
`;

/** By name without the `.gitlab-ci.yml` suffix, as File::Template#template_name gives it. */
const TEMPLATES = new Map<string, string>([
  ['Auto-DevOps', AUTO_DEVOPS],
  ['Jobs/Deploy', JOBS_DEPLOY],
]);

export function findCiTemplate(name: string): string | undefined {
  return TEMPLATES.get(name);
}
