import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderPlanTable } from '../../src/report/plan-table.js';
import { hasPendingChanges, renderSummaryLine } from '../../src/report/plan-summary.js';
import { noChangesPlan, PlanBuilder, realisticPlan } from './plan-builder.js';

const plain = new Chalk({ level: 0 });
// The escape that starts every ANSI colour code.
const ESC = '\u001b[';

/** The lines of the block that starts with `header` and runs to the next blank line. */
function block(text: string, header: string): string[] {
  const start = text.split('\n\n').find((b) => b.startsWith(header));
  if (start === undefined) throw new Error(`no block starting with ${header}`);
  return start.split('\n');
}

describe('renderPlanTable', () => {
  it('renders the realistic plan grouped by agent', () => {
    expect(renderPlanTable(realisticPlan(), plain)).toMatchInlineSnapshot(`
      "GitLab https://gitlab.example.com (17.11.2) · discovery: discovery-api · instance authorization: off

      + acme/gitlab-agents:prod  new
        config project  acme/gitlab-agents (will be created)
        api url         https://prod.k8s.example.com:6443
        replaces
          ID  LEVEL    OWNER          NAME  SCOPE
          11  group    acme           prod  production
          21  project  acme/shop/web  prod  production
        ci_access
          group    acme           environments: production
          project  acme/shop/web  environments: production
        variables
          LEVEL    OWNER          VARIABLE                                    SCOPE
          group    acme           KUBE_CONTEXT=acme/gitlab-agents:prod        production
          project  acme/shop/web  KUBE_CONTEXT=acme/gitlab-agents:prod        production
          project  acme/shop/web  KUBE_INGRESS_BASE_DOMAIN=shop.acme.example  production

      ~ acme/gitlab-agents:staging  partial
        config project  acme/gitlab-agents (will be created)
        api url         https://staging.k8s.example.com:6443
        replaces
          ID  LEVEL    OWNER          NAME     SCOPE
          22  project  acme/shop/api  staging  staging/*
          23  project  acme/billing   staging  *
        ci_access
          project  acme/billing   all environments
          project  acme/shop/api  environments: staging/*
        variables
          LEVEL    OWNER          VARIABLE                                 SCOPE
          project  acme/billing   KUBE_CONTEXT=acme/gitlab-agents:staging  *
          project  acme/shop/api  KUBE_CONTEXT=acme/gitlab-agents:staging  staging/*

      + tools/deployer:ops  new
        config project  tools/deployer
        api url         https://ops.k8s.example.com:6443
        replaces
          ID  LEVEL    OWNER           NAME  SCOPE
          31  project  tools/deployer  ops   *
        ci_access
          project  tools/deployer  all environments; namespace deployer-ops
        variables
          LEVEL    OWNER           VARIABLE                         SCOPE
          project  tools/deployer  KUBE_CONTEXT=tools/deployer:ops  *
          project  tools/deployer  KUBE_NAMESPACE=deployer-ops      *

      = legacy/site:old-prod  done
        config project  legacy/site
        api url         https://old-prod.k8s.example.com:6443
        replaces
          ID  LEVEL    OWNER        NAME      SCOPE
          41  project  legacy/site  old-prod  *

      Skipped (2)
        ID  LEVEL     OWNER         NAME       SCOPE  REASON
        51  project   acme/sandbox  minikube   *      cluster is disabled
        52  instance  (instance)    gke-trial  *      no Kubernetes API URL (cluster was never provisioned)

      Done (1)
        ID  LEVEL    OWNER        NAME      SCOPE  REASON
        41  project  legacy/site  old-prod  *      already cut over to legacy/site:old-prod

      Warnings (3)
        warning [CA_MISMATCH] cluster 11: clusters 11 and 21 share an API URL but their CA certificates differ
        warning [MANAGED_ON_FREE] cluster 22: GitLab-managed namespaces are not recreated on the Free tier; create them before cut-over
        warning [NO_ADMIN] the token is not an administrator: instance clusters may be missing

      Plan: 2 agents to create, 1 agent to finish, 5 clusters to migrate, 2 skipped, 1 done, 3 warnings."
    `);
  });

  it('lists each cluster under the agent that replaces it, and only there', () => {
    const text = renderPlanTable(realisticPlan(), plain);
    const prod = block(text, '+ acme/gitlab-agents:prod').join('\n');
    const staging = block(text, '~ acme/gitlab-agents:staging').join('\n');
    expect(prod).toMatch(/^ {4}11 +group +acme +prod +production$/m);
    expect(prod).toMatch(/^ {4}21 +project +acme\/shop\/web/m);
    expect(prod).not.toMatch(/^ {4}2[23] /m);
    expect(staging).toMatch(/^ {4}22 +project +acme\/shop\/api/m);
    expect(staging).toMatch(/^ {4}23 +project +acme\/billing/m);
    expect(staging).not.toMatch(/^ {4}(11|21) /m);
  });

  it('marks a shared configuration project that does not exist yet', () => {
    const text = renderPlanTable(realisticPlan(), plain);
    expect(block(text, '+ acme/gitlab-agents:prod')).toContain(
      '  config project  acme/gitlab-agents (will be created)',
    );
    expect(block(text, '+ tools/deployer:ops')).toContain('  config project  tools/deployer');
  });

  it('shows why each skipped cluster is skipped', () => {
    const skipped = block(renderPlanTable(realisticPlan(), plain), 'Skipped (2)');
    expect(skipped[2]).toMatch(/^ {2}51 .*minikube .*cluster is disabled$/);
    expect(skipped[3]).toMatch(/^ {2}52 +instance +\(instance\) .*no Kubernetes API URL/);
  });

  it('shows instance-wide access and instance variables', () => {
    const plan = new PlanBuilder()
      .withGitlab({ instanceAuthorization: true, version: null })
      .cluster({ id: 5, name: 'shared', level: 'instance', owner: null, action: 'migrate' })
      .agent({
        name: 'shared',
        project: 'platform/agents',
        clusterIds: [5],
        config: { ci_access: { instance: {} } },
        ciVariables: [
          {
            level: 'instance',
            owner: null,
            key: 'KUBE_CONTEXT',
            value: 'platform/agents:shared',
            environmentScope: '*',
          },
        ],
      })
      .build();
    const text = renderPlanTable(plan, plain);
    expect(text.split('\n')[0]).toBe(
      'GitLab https://gitlab.example.com (version unknown) · discovery: discovery-api · instance authorization: on',
    );
    expect(text).toMatch(/^ {4}instance +\(every project\) +all environments$/m);
    expect(text).toMatch(/^ {4}instance +\(instance\) +KUBE_CONTEXT=platform\/agents:shared +\*$/m);
  });

  it('has no escape codes without colour, and has them with colour', () => {
    expect(renderPlanTable(realisticPlan(), plain)).not.toContain(ESC);
    expect(renderPlanTable(noChangesPlan(), plain)).not.toContain(ESC);
    const coloured = renderPlanTable(realisticPlan(), new Chalk({ level: 1 }));
    expect(coloured).toContain(ESC);
    // Colour must not change what is written, only how.
    // eslint-disable-next-line no-control-regex -- stripping the colour codes is the point
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(renderPlanTable(realisticPlan(), plain));
  });
});

describe('the summary line', () => {
  it('counts pending work like terraform', () => {
    const text = renderPlanTable(realisticPlan(), plain);
    expect(text.split('\n').at(-1)).toBe(
      'Plan: 2 agents to create, 1 agent to finish, 5 clusters to migrate, 2 skipped, 1 done, 3 warnings.',
    );
    expect(hasPendingChanges(realisticPlan())).toBe(true);
  });

  it('uses singulars and leaves out agents to finish when there are none', () => {
    const plan = new PlanBuilder()
      .cluster({ id: 1, name: 'only', level: 'project', owner: 'a/b', action: 'migrate' })
      .agent({ name: 'only', project: 'a/b', clusterIds: [1] })
      .warning('W', 'one warning')
      .build();
    expect(renderSummaryLine(plan)).toBe(
      'Plan: 1 agent to create, 1 cluster to migrate, 0 skipped, 0 done, 1 warning.',
    );
  });

  it('says there is nothing to do once every cluster is migrated or skipped', () => {
    const text = renderPlanTable(noChangesPlan(), plain);
    expect(text.split('\n').at(-1)).toBe(
      'No changes: every certificate cluster is migrated or skipped.',
    );
    expect(text).not.toContain('Plan:');
    expect(hasPendingChanges(noChangesPlan())).toBe(false);
  });

  it('says so when there are no certificate clusters at all', () => {
    const text = renderPlanTable(new PlanBuilder().build(), plain);
    expect(text).toContain('No certificate-based clusters found.');
    expect(text.split('\n').at(-1)).toBe(
      'No changes: every certificate cluster is migrated or skipped.',
    );
  });
});

describe('untrusted text from GitLab', () => {
  it('cannot send escape sequences to the terminal', () => {
    const plan = new PlanBuilder()
      .cluster({
        id: 9,
        name: 'evil\u001b[2J\u009b',
        level: 'project',
        owner: 'a/b',
        action: 'skip',
        reason: 'line\nbreak',
      })
      .build();
    const text = renderPlanTable(plan, plain);
    expect(text).not.toContain('\u001b');
    expect(text).toMatch(/^ {2}9 +project +a\/b +evil\\u001b\[2J\\u009b +\* +line\\u000abreak$/m);
  });
});
