import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { codeSpan, escapeMarkdown, renderPlanMarkdown } from '../../src/report/plan-markdown.js';
import { noChangesPlan, PlanBuilder, realisticPlan, realisticPlanBuilder } from './plan-builder.js';

/** GFM splits a table row on every `|` not preceded by a backslash. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no ${heading}`);
  const next = markdown.indexOf('\n#', start + heading.length);
  return markdown.slice(start, next < 0 ? undefined : next);
}

describe('renderPlanMarkdown', () => {
  const markdown = renderPlanMarkdown(realisticPlan());

  it('opens with a title, the verdict and a summary table', () => {
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# migrate-clusters plan');
    expect(markdown).toContain(
      '**Plan: 2 agents to create, 1 agent to finish, 5 clusters to migrate, 2 skipped, 1 done, 3 warnings.**',
    );
    const header = lines.findIndex((l) => l.startsWith('| Clusters |'));
    expect(cells(lines[header + 2]!)).toEqual(['8', '5', '2', '1', '2', '1', '3']);
  });

  it('has a section per agent with its config.yaml as YAML', () => {
    const prod = section(markdown, '### `acme/gitlab-agents:prod` — new');
    expect(prod).toContain('- Configuration project: `acme/gitlab-agents` (will be created)');
    const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(prod)?.[1];
    expect(parse(yamlBlock!)).toEqual(realisticPlan().agents[0]!.config);
    expect(prod).toContain(
      '| group | acme | `KUBE_CONTEXT` | `acme/gitlab-agents:prod` | `production` |',
    );
    expect(markdown).toContain('### `acme/gitlab-agents:staging` — partial');
    expect(markdown).toContain('### `tools/deployer:ops` — new');
  });

  it('lists skipped and done clusters with their reasons', () => {
    const rows = section(markdown, '## Skipped and done')
      .split('\n')
      .filter((l) => /^\| \d/.test(l))
      .map(cells);
    expect(rows.map((r) => [r[0], r[5], r[6]])).toEqual([
      ['41', 'done', 'already cut over to legacy/site:old-prod'],
      ['51', 'skip', 'cluster is disabled'],
      ['52', 'skip', 'no Kubernetes API URL (cluster was never provisioned)'],
    ]);
  });

  it('lists warnings with their codes', () => {
    expect(section(markdown, '## Warnings')).toContain(
      '- `CA_MISMATCH` (cluster 11): clusters 11 and 21 share an API URL but their CA certificates differ',
    );
  });

  it('puts the ordered steps in a collapsible block', () => {
    const details =
      /<details>\n<summary>Steps, in order \((\d+)\)<\/summary>\n\n([\s\S]*?)\n\n<\/details>/.exec(
        markdown,
      );
    expect(Number(details?.[1])).toBe(realisticPlan().steps.length);
    const items = details![2]!.split('\n');
    expect(items[0]).toBe('1. `create-project` Create project acme/gitlab-agents');
    expect(items.at(-1)).toMatch(/^21\. `set-variable` /);
  });

  it('lists a configuration project shared by agents as created once', () => {
    const plan = realisticPlan();
    const first = plan.steps.find((s) => s.kind === 'create-project')!;
    const other = plan.agents.find(
      (a) =>
        a.project === plan.agents.find((b) => b.ref === first.agent)!.project &&
        a.ref !== first.agent,
    )!;
    // as the planner makes it: every agent of the new project carries its own create-project
    const repeated = { ...first, id: `${other.ref}/create-project`, agent: other.ref };
    plan.steps.splice(plan.steps.indexOf(first) + 3, 0, repeated);
    const rendered = renderPlanMarkdown(plan);
    expect(rendered.match(/`create-project` Create project acme\/gitlab-agents/g)).toHaveLength(1);
    expect(rendered).toContain(`Steps, in order (${plan.steps.length - 1})`);
    expect(rendered).toContain('its step for each agent, 1 more');
  });

  it('escapes a | in a cluster name so the table keeps its columns', () => {
    const plan = realisticPlanBuilder()
      .cluster({
        id: 60,
        name: 'prod | eu',
        level: 'project',
        owner: 'acme/x',
        action: 'skip',
        reason: 'a|b',
      })
      .build();
    const row = renderPlanMarkdown(plan)
      .split('\n')
      .find((l) => l.startsWith('| 60 |'));
    expect(row).toBe('| 60 | project | acme/x | prod \\| eu | `*` | skip | a\\|b |');
    expect(cells(row!)).toHaveLength(7);
  });

  it('keeps untrusted text from becoming HTML, links or emphasis', () => {
    expect(escapeMarkdown('<img src=x onerror=alert(1)>')).toBe(
      '&lt;img src=x onerror=alert(1)&gt;',
    );
    expect(escapeMarkdown('[click](http://evil) *bold* _it_ ~~x~~ `c`')).toBe(
      '\\[click\\](http://evil) \\*bold\\* \\_it\\_ \\~\\~x\\~\\~ \\`c\\`',
    );
    expect(escapeMarkdown('a\\b &amp; line\nbreak')).toBe('a\\\\b &amp;amp; line break');
  });

  it('fences code spans and YAML blocks around backticks in the content', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeSpan('a|b', true)).toBe('`a\\|b`');
    const plan = new PlanBuilder()
      .cluster({ id: 1, name: 'c', level: 'project', owner: 'a/b', action: 'migrate' })
      .agent({
        name: 'c',
        project: 'a/b',
        clusterIds: [1],
        config: { ci_access: { projects: [{ id: 'a/b', environments: ['```'] }] } },
      })
      .build();
    const text = renderPlanMarkdown(plan);
    const block = /\n(`{4,})yaml\n([\s\S]*?)\n\1\n/.exec(text);
    expect(parse(block![2]!)).toEqual(plan.agents[0]!.config);
  });

  it('renders a plan with nothing pending without empty sections', () => {
    const text = renderPlanMarkdown(noChangesPlan());
    expect(text).toContain('**No changes: every certificate cluster is migrated or skipped.**');
    expect(text).not.toContain('<details>');
    expect(text).not.toContain('## Warnings');
    expect(text.endsWith('\n')).toBe(true);
  });
});
