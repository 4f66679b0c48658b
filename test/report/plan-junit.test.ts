import { describe, expect, it } from 'vitest';
import { escapeXmlAttribute, renderPlanJunit } from '../../src/report/plan-junit.js';
import { findAll, parseXml } from './xml-check.js';
import { noChangesPlan, PlanBuilder, realisticPlan } from './plan-builder.js';

describe('renderPlanJunit', () => {
  const plan = realisticPlan();
  const root = parseXml(renderPlanJunit(plan));
  const suite = findAll(root, 'testsuite')[0]!;
  const testcases = findAll(root, 'testcase');
  const byId = (id: number) =>
    testcases.find((t) => t.attributes.name!.startsWith(`cluster ${id} `))!;

  it('is one migrate-clusters suite with the counts of the plan', () => {
    expect(root.name).toBe('testsuites');
    expect(findAll(root, 'testsuite')).toHaveLength(1);
    expect(suite.attributes).toMatchObject({
      name: 'migrate-clusters',
      tests: '8',
      failures: '5',
      errors: '0',
      skipped: '2',
      timestamp: '2025-06-01T12:00:00.000Z',
    });
    expect(testcases).toHaveLength(8);
    expect(findAll(root, 'failure')).toHaveLength(5);
    expect(findAll(root, 'skipped')).toHaveLength(2);
  });

  it('names each testcase after its cluster and owner', () => {
    expect(byId(21).attributes).toMatchObject({
      classname: 'acme/shop/web',
      name: 'cluster 21 prod (production)',
    });
    expect(byId(52).attributes.classname).toBe('instance');
  });

  it('fails a pending cluster with the steps of its agent', () => {
    const failure = byId(22).children[0]!;
    expect(failure.name).toBe('failure');
    expect(failure.attributes.message).toBe('pending: migrate to acme/gitlab-agents:staging');
    expect(failure.text).toContain('1. [create-token] Create a token for agent staging');
    expect(failure.text).toContain('KUBE_CONTEXT on acme/shop/api (staging/*)');
    // The steps of another agent are not this cluster's business.
    expect(failure.text).not.toContain('agent prod');
  });

  it('says where an instance cluster lives once, and which plan file to apply', () => {
    const instance = new PlanBuilder()
      .cluster({ id: 3, name: 'shared', level: 'instance', owner: null, action: 'migrate' })
      .agent({ name: 'shared', project: 'ops/agents', clusterIds: [3] })
      .build();
    const text = (options?: { planPath?: string }) =>
      findAll(parseXml(renderPlanJunit(instance, options)), 'failure')[0]!.text;
    expect(text()).toContain('Cluster 3 "shared" (the instance, scope *)');
    expect(text()).not.toContain('instance instance');
    expect(text({ planPath: 'out/plan-2026.json' })).toContain(
      'Run `migrate-clusters apply out/plan-2026.json`',
    );
    // printed without a plan file: say how to get one first
    expect(text()).toContain('migrate-clusters plan --out plan.json');
  });

  it('skips a skipped cluster with its reason, and passes a done one', () => {
    expect(byId(51).children).toEqual([
      { name: 'skipped', attributes: { message: 'cluster is disabled' }, children: [], text: '' },
    ]);
    expect(byId(41).children).toEqual([]);
  });

  it('escapes markup and control characters in names and reasons', () => {
    const name = 'evil <&"\'> \u001b[31m\ttab';
    const tricky = new PlanBuilder()
      .cluster({
        id: 7,
        name,
        level: 'project',
        owner: 'a/b',
        action: 'skip',
        reason: 'x]]>y\r\nz',
      })
      .cluster({ id: 8, name, level: 'project', owner: 'a/b', action: 'migrate' })
      .agent({ name: 'evil', project: 'a/b', clusterIds: [8] })
      .build();
    const xml = renderPlanJunit(tricky);
    expect(xml).not.toContain('\u001b');
    const cases = findAll(parseXml(xml), 'testcase');
    expect(cases[0]!.attributes.name).toBe('cluster 7 evil <&"\'> \\u001b[31m\ttab (*)');
    expect(cases[0]!.children[0]!.attributes.message).toBe('x]]>y\r\nz');
    expect(cases[1]!.children[0]!.text).toContain('Cluster 8 "evil <&"\'> \\u001b[31m\ttab"');
  });

  it('loads with no clusters and with nothing pending', () => {
    const empty = parseXml(renderPlanJunit(new PlanBuilder().build()));
    expect(findAll(empty, 'testsuite')[0]!.attributes.tests).toBe('0');
    const done = findAll(parseXml(renderPlanJunit(noChangesPlan())), 'testsuite')[0]!;
    expect(done.attributes).toMatchObject({ tests: '2', failures: '0', skipped: '1' });
  });

  it('keeps whitespace in attributes as references', () => {
    expect(escapeXmlAttribute('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
    expect(escapeXmlAttribute('\uFFFE \uD800')).toBe('\\ufffe \\ud800');
  });
});

describe('the XML checker used above', () => {
  it.each([
    ['<a><b></a></b>', /closes/],
    ['<a>x < y</a>', /expected a name/],
    ['<a>Tom & Jerry</a>', /unterminated reference/],
    ['<a>&nbsp;</a>', /unknown entity/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['<a x=1/>', /unquoted/],
    ['<a x="<"/>', /raw </],
    ['<a/><b/>', /after the root/],
    ['<a>\u0001</a>', /not allowed/],
    ['<a>', /unclosed/],
  ])('rejects %j', (xml, error) => {
    expect(() => parseXml(xml)).toThrow(error);
  });

  it('accepts what a JUnit parser accepts', () => {
    const root = parseXml(
      '<?xml version="1.0"?>\n<!-- c --><a k=\'v&amp;\'><b/>t&#x41;&#66;</a>\n',
    );
    expect(root).toEqual({
      name: 'a',
      attributes: { k: 'v&' },
      children: [{ name: 'b', attributes: {}, children: [], text: '' }],
      text: 'tAB',
    });
  });
});
