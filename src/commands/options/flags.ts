// Every flag of the CLI, declared once: its name, how its value is read, its default and its usual
// help text. A command picks the flags it takes, in the order its --help lists them, and may word
// a flag's help for itself; the name, parser and default are always the ones here. Defaults the
// planner and the apply engine also use come from them (src/plan/options.ts,
// src/apply/settings.ts), so --help shows what actually runs.
import { Option } from 'commander';
import { APPLY_DEFAULTS } from '../../apply/settings.js';
import { defaultPlanOptions } from '../../plan/options.js';
import { collect, nonNegativeInt, port, positiveInt } from './parsers.js';

/** One flag: a new commander Option each time (an Option belongs to one command). */
export type Flag = (description?: string) => Option;

function flag(name: string, description: string, configure = (option: Option) => option): Flag {
  return (text = description) => configure(new Option(name, text));
}

const repeatable = (option: Option) => option.argParser(collect);
const PLAN_DEFAULTS = defaultPlanOptions();

/** Connection and output: every GitLab-facing command takes these. */
export const connectionFlags = {
  gitlabUrl: flag(
    '--gitlab-url <url>',
    'GitLab instance (default: $GITLAB_URL, $GITLAB_HOST or $CI_SERVER_URL)',
  ),
  token: flag(
    '--token <token>',
    'personal access token (default: $GITLAB_TOKEN; prefer the variable: flags show in process lists)',
  ),
  // the demo brings its own GitLab and clusters: a flag naming others would be silently unused
  demo: flag('--demo', 'run against the built-in simulated instance (fixtures/demo.json)', (o) =>
    o.conflicts(['gitlabUrl', 'token', 'kubeconfig']),
  ),
  concurrency: flag('--concurrency <n>', 'GitLab requests in flight at once', (o) =>
    o.argParser(positiveInt('--concurrency')).default(8),
  ),
  timeout: flag(
    '--timeout <seconds>',
    'give up on one GitLab request after this long (it is retried)',
    (o) => o.argParser(positiveInt('--timeout')).default(30),
  ),
  noColor: flag('--no-color', 'plain output (also: NO_COLOR=1)'),
  verbose: flag(
    '--verbose',
    'log each GitLab and Kubernetes request (with status and time), retries and other details on stderr',
  ),
};

/** Which kubeconfig, and which of its contexts reaches which certificate cluster. */
export const kubeFlags = {
  kubeconfig: flag(
    '--kubeconfig <file>',
    'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)',
  ),
  contextFor: flag(
    '--context-for <id=context>',
    'kubeconfig context that reaches certificate cluster ID (repeatable)',
    repeatable,
  ),
  sameCluster: flag(
    '--same-cluster <id>',
    'vouch that the --context-for context of cluster ID reaches that very cluster, though its server address differs (repeatable)',
    repeatable,
  ),
};

/** Where discovery looks, and how. */
export const discoveryFlags = {
  group: flag('--group <path>', 'only this group and everything below it (repeatable)', repeatable),
  strategy: flag(
    '--strategy <name>',
    'how to find clusters: auto uses the discovery API on GitLab 17.9+',
    (o) => o.choices(['auto', 'full-scan']).default('auto'),
  ),
};

/** How clusters map to agents: what `plan` and everything that plans on the fly take. */
export const planFlags = {
  instanceAuthorization: flag(
    '--instance-authorization',
    'the admin setting "Enable instance level authorization" is on (17.11+)',
  ),
  agentProjectName: flag(
    '--agent-project-name <name>',
    'shared agent project created in a top-level group when needed',
    (o) => o.default(PLAN_DEFAULTS.agentProjectName),
  ),
  agentProject: flag(
    '--agent-project <root=path>',
    'put the agents of a top-level group in this project (repeatable)',
    repeatable,
  ),
  tier: flag(
    '--tier <tier>',
    'GitLab tier: premium maps managed clusters to managed resources',
    (o) => o.choices(['free', 'premium']).default(PLAN_DEFAULTS.tier),
  ),
  userAccess: flag(
    '--user-access',
    'also grant user_access (Kubernetes dashboard); grants people access they did not have',
  ),
  noCiAudit: flag(
    '--no-ci-audit',
    'skip reading the CI configuration of every project in reach (faster; the plan then cannot name jobs that would break)',
  ),
};

/** What a command prints and how it exits. */
export const resultFlags = {
  json: flag('--json', 'print the outcome as JSON on stdout (same as -o json)'),
  output: flag('-o, --output <format>', 'print data on stdout instead of text: json or yaml', (o) =>
    o.choices(['json', 'yaml']),
  ),
  detailedExitcode: flag(
    '--detailed-exitcode',
    "exit 2 when work is pending, 0 when there is none (terraform's meaning)",
  ),
  dryRun: flag(
    '--dry-run',
    'list on stdout every GitLab write, config.yaml diff and agentk object (server-side dry run, diffed against live) it would make; change nothing',
  ),
  yes: flag('--yes', 'do not ask for confirmation (needed without a terminal)'),
};

/** `plan`'s own. */
export const planOutputFlags = {
  out: flag('--out <file>', 'write the plan (input of `apply`) to this file'),
  format: flag(
    '--format <format>',
    'what to print on stdout (default: table; -o json|yaml and --json also choose)',
    (o) => o.choices(['table', 'json', 'yaml', 'markdown', 'junit']),
  ),
  reportDir: flag(
    '--report-dir <dir>',
    'also write plan.json, plan.md, plan.junit.xml and plan.txt there',
  ),
};

/** How apply goes about it (also `--rbac` for `manifests`). */
export const applyFlags = {
  only: flag(
    '--only <agent>',
    'only this agent: PROJECT_PATH:NAME or NAME (repeatable)',
    repeatable,
  ),
  disableOldClusters: flag(
    '--disable-old-clusters',
    'turn each certificate cluster off once every job that used it is proven to reach it through its agent (see verify; never deletes it)',
  ),
  fixCi: flag(
    '--fix-ci <mode>',
    'open a merge request per project whose deploy jobs would break, making them select their agent context',
    (o) => o.choices(['merge-request']),
  ),
  configVia: flag('--config-via <mode>', 'how agent config files reach GitLab', (o) =>
    o.choices(['commit', 'merge-request', 'files']).default(APPLY_DEFAULTS.configVia),
  ),
  install: flag(
    '--install <mode>',
    'how agentk is installed: apply (server-side apply), manifests (write them), none',
    (o) => o.choices(['apply', 'manifests', 'none']).default(APPLY_DEFAULTS.install),
  ),
  outDir: flag('--out-dir <dir>', 'where --config-via files and --install manifests write'),
  noWait: flag(
    '--no-wait',
    'do not wait for agentk to roll out and connect (run apply again later)',
  ),
  parallel: flag(
    '--parallel <n>',
    'agents at work at once; agents waiting for their connection do not count (1: one after another)',
    (o) => o.argParser(positiveInt('--parallel')).default(APPLY_DEFAULTS.parallel),
  ),
  rbac: flag(
    '--rbac <binding>',
    'cluster-admin, or existing-role:NAME to bind that ClusterRole instead',
    (o) => o.default(APPLY_DEFAULTS.rbac),
  ),
  forceConflicts: flag(
    '--force-conflicts',
    'take over fields another field manager owns in the cluster',
  ),
  refresh: flag(
    '--refresh',
    'if GitLab changed since the plan was made, re-plan with the same options',
  ),
  rolloutTimeout: flag(
    '--rollout-timeout <seconds>',
    'how long to wait for agentk to roll out',
    (o) => o.argParser(positiveInt('--rollout-timeout')).default(APPLY_DEFAULTS.rolloutTimeout),
  ),
  connectionTimeout: flag(
    '--connection-timeout <seconds>',
    'how long to wait for the agent to connect to GitLab',
    (o) =>
      o.argParser(positiveInt('--connection-timeout')).default(APPLY_DEFAULTS.connectionTimeout),
  ),
};

/** The rest, each taken by one command. */
export const commandFlags = {
  agent: flag(
    '--agent <ref>',
    'the agent: PROJECT_PATH:NAME as `plan` lists it, or NAME when unique',
    (o) => o.makeOptionMandatory(),
  ),
  plan: flag('--plan <file>', 'use this reviewed plan (default: plan now)'),
  uninstall: flag(
    '--uninstall',
    'also delete agentk from the clusters and the agents apply registered (revoking their tokens)',
  ),
  fixture: flag(
    '--fixture <file>',
    'instance to serve: a fixture file, or demo for the built-in one (see fixtures/README.md)',
    (o) => o.default('demo'),
  ),
  port: flag('--port <n>', 'port to listen on (0 = any free port)', (o) =>
    o.argParser(port).default(0),
  ),
  latency: flag('--latency <ms>', 'add this much latency to every request', (o) =>
    o.argParser(nonNegativeInt('--latency')).default(0),
  ),
};
