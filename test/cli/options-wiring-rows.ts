// The rows of test/cli/options-wiring.test.ts: argv, the command it reaches, and the options that
// command's action must get. Defaults are written out here, not taken from the code under test.
import { expect } from 'vitest';
import type { CommandHandlers } from '../../src/cli.js';

export type CommandName = keyof CommandHandlers;
export type Row = [label: string, argv: string[], command: CommandName, expected: unknown];

/** argv from one line (no value here has a space) */
const args = (line: string) => line.split(' ');

const connection = {
  gitlabUrl: undefined,
  token: undefined,
  demo: false,
  concurrency: 8,
  timeoutSeconds: 30,
};
const common = { connection, output: { color: true, verbose: false } };

/**
 * Given with every command but simulate in the every-flag rows. Not --demo: it refuses
 * --gitlab-url, --token and --kubeconfig (a row of its own checks it alone).
 */
export const connectionFlags = args(
  '--gitlab-url https://gitlab.example.com --token glpat-not-a-secret --concurrency 3 --timeout 5 --no-color --verbose',
);
const commonGiven = {
  connection: {
    gitlabUrl: 'https://gitlab.example.com',
    token: 'glpat-not-a-secret',
    demo: false,
    concurrency: 3,
    timeoutSeconds: 5,
  },
  output: { color: false, verbose: true },
};

const plan = {
  instanceAuthorization: false,
  tier: 'free',
  userAccess: false,
  agentProjectName: 'gitlab-agents',
  agentProjects: {},
  contextFor: {},
  ciAudit: true,
  now: expect.any(Function) as unknown,
};

const kube = { kubeconfig: undefined, contextFor: {}, sameCluster: [] };
const kubeFlags = args('--kubeconfig kube.yaml --context-for 4=prod-eu --same-cluster 4');
const kubeGiven = { kubeconfig: 'kube.yaml', contextFor: { 4: 'prod-eu' }, sameCluster: [4] };

const settings = {
  dryRun: false,
  only: [],
  disableOldClusters: false,
  configVia: 'commit',
  install: 'apply',
  outDir: null,
  wait: true,
  rolloutDeadlineMs: 300_000,
  connectionDeadlineMs: 300_000,
  pollMs: 250,
  forceConflicts: false,
  rbac: 'cluster-admin',
  fixCi: null,
  parallel: 10,
  askedBy: 'flags',
};

const readPlan = { kube, data: null, detailedExitcode: false };
const readPlanFlags = [...kubeFlags, '--json', '--detailed-exitcode'];
const readPlanGiven = { kube: kubeGiven, data: 'json', detailedExitcode: true };

export const rows: Row[] = [
  [
    'inventory, defaults',
    ['inventory'],
    'inventory',
    { ...common, data: null, groups: [], strategy: 'auto' },
  ],
  [
    'inventory, every flag',
    args('inventory --json --group a --group b/c --strategy full-scan'),
    'inventory',
    { ...commonGiven, data: 'json', groups: ['a', 'b/c'], strategy: 'full-scan' },
  ],
  [
    'plan, defaults',
    ['plan'],
    'plan',
    {
      ...common,
      plan,
      groups: [],
      out: undefined,
      reportDir: undefined,
      // follows stdout, and the test's own is a pipe
      format: 'table',
      detailedExitcode: false,
    },
  ],
  [
    'plan, every flag',
    args(
      'plan --instance-authorization --agent-project-name kube-agents --agent-project payments=payments/platform/agents --agent-project data=data/agents --out plan.json --format markdown --report-dir reports --group platform --detailed-exitcode --tier premium --user-access --context-for 4=prod-eu --context-for 12=staging --no-ci-audit',
    ),
    'plan',
    {
      ...commonGiven,
      plan: {
        instanceAuthorization: true,
        tier: 'premium',
        userAccess: true,
        agentProjectName: 'kube-agents',
        agentProjects: { payments: 'payments/platform/agents', data: 'data/agents' },
        contextFor: { 4: 'prod-eu', 12: 'staging' },
        ciAudit: false,
        now: expect.any(Function) as unknown,
      },
      groups: ['platform'],
      out: 'plan.json',
      reportDir: 'reports',
      format: 'markdown',
      detailedExitcode: true,
    },
  ],
  [
    'manifests, defaults',
    args('manifests --agent prod-eu'),
    'manifests',
    { ...common, plan, groups: [], agent: 'prod-eu', rbac: 'cluster-admin' },
  ],
  [
    'manifests, every flag',
    args(
      'manifests --instance-authorization --agent-project-name kube-agents --agent-project payments=payments/agents --agent payments/gitlab-agents:staging --rbac existing-role:deployer --group payments',
    ),
    'manifests',
    {
      ...commonGiven,
      plan: {
        ...plan,
        instanceAuthorization: true,
        agentProjectName: 'kube-agents',
        agentProjects: { payments: 'payments/agents' },
      },
      groups: ['payments'],
      agent: 'payments/gitlab-agents:staging',
      rbac: 'existing-role:deployer',
    },
  ],
  [
    'apply, defaults',
    ['apply'],
    'apply',
    { ...common, planFile: undefined, settings, kube, yes: false, refresh: false, data: null },
  ],
  [
    'apply, every flag',
    [
      ...args('apply plan.json'),
      ...kubeFlags,
      ...args(
        '--dry-run --yes --only staging --only payments/gitlab-agents:prod --disable-old-clusters --fix-ci merge-request --config-via files --install manifests --out-dir out --no-wait --parallel 3 --rbac existing-role:deployer --force-conflicts --refresh --rollout-timeout 60 --connection-timeout 90 --json',
      ),
    ],
    'apply',
    {
      ...commonGiven,
      planFile: 'plan.json',
      settings: {
        dryRun: true,
        only: ['staging', 'payments/gitlab-agents:prod'],
        disableOldClusters: true,
        configVia: 'files',
        install: 'manifests',
        outDir: 'out',
        wait: false,
        rolloutDeadlineMs: 60_000,
        connectionDeadlineMs: 90_000,
        pollMs: 250,
        forceConflicts: true,
        rbac: 'existing-role:deployer',
        fixCi: 'merge-request',
        parallel: 3,
        askedBy: 'flags',
      },
      kube: kubeGiven,
      yes: true,
      refresh: true,
      data: 'json',
    },
  ],
  [
    'migrate, defaults',
    ['migrate'],
    'migrate',
    { ...common, planFile: undefined, plan, kubeconfig: undefined },
  ],
  [
    'migrate, every flag',
    args(
      'migrate --plan plan.json --kubeconfig kube.yaml --context-for 4=prod-eu --instance-authorization --tier premium',
    ),
    'migrate',
    {
      ...commonGiven,
      planFile: 'plan.json',
      plan: { ...plan, instanceAuthorization: true, tier: 'premium', contextFor: { 4: 'prod-eu' } },
      kubeconfig: 'kube.yaml',
    },
  ],
  [
    'status, defaults',
    args('status plan.json'),
    'status',
    { ...common, ...readPlan, planFile: 'plan.json' },
  ],
  [
    'status, every flag',
    [...args('status plan.json'), ...readPlanFlags],
    'status',
    { ...commonGiven, ...readPlanGiven, planFile: 'plan.json' },
  ],
  ['verify, defaults', ['verify'], 'verify', { ...common, ...readPlan, planFile: undefined }],
  [
    'verify, every flag',
    [...args('verify plan.json'), ...readPlanFlags],
    'verify',
    { ...commonGiven, ...readPlanGiven, planFile: 'plan.json' },
  ],
  [
    'rollback, defaults',
    args('rollback plan.json'),
    'rollback',
    {
      ...common,
      planFile: 'plan.json',
      dryRun: false,
      yes: false,
      uninstall: false,
      data: null,
      kube,
    },
  ],
  [
    'rollback, every flag',
    [...args('rollback plan.json --dry-run --yes --uninstall --json'), ...kubeFlags],
    'rollback',
    {
      ...commonGiven,
      planFile: 'plan.json',
      dryRun: true,
      yes: true,
      uninstall: true,
      data: 'json',
      kube: kubeGiven,
    },
  ],
  [
    'simulate, defaults',
    args('simulate'),
    'simulate',
    { fixture: 'demo', port: 0, latency: 0, color: true },
  ],
  [
    'simulate, every flag',
    args('simulate --fixture fixtures/demo.json --port 8080 --latency 20 --no-color'),
    'simulate',
    { fixture: 'fixtures/demo.json', port: 8080, latency: 20, color: false },
  ],
];
