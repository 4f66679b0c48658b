import { it, expect } from 'vitest';
import { generateInstance } from '../../src/simulator/gitlab/generate-instance.js';
import { SimulatorState } from '../../src/simulator/gitlab/state.js';
import { startGitLabSimulator } from '../../src/simulator/gitlab/server.js';
it('gen', async () => {
  for (const seed of [1, 2, 3]) {
    const f = generateInstance({ projects: 10000, seed });
    let t = Date.now();
    new SimulatorState(f);
    console.log(
      'state build ms',
      Date.now() - t,
      f.groups.length,
      f.projects.length,
      f.clusters.length,
      f.tokens.length,
      f.members.length,
    );
  }
  const f = generateInstance({ projects: 10000, seed: 1 });
  const sim = await startGitLabSimulator({ fixture: f });
  const tok = f.tokens.map((x) => x.token);
  for (const token of tok.slice(0, 3)) {
    const me = await (
      await fetch(`${sim.url}/api/v4/user`, { headers: { 'PRIVATE-TOKEN': token } })
    ).json();
    let t = Date.now();
    let n = 0;
    for (let page = 1; page <= 50; page++) {
      const r = await fetch(`${sim.url}/api/v4/projects?per_page=100&page=${page}`, {
        headers: { 'PRIVATE-TOKEN': token },
      });
      await r.json();
      n++;
    }
    console.log(
      (me as any).username,
      (me as any).is_admin,
      'offset /projects per req ms',
      (Date.now() - t) / n,
    );
    t = Date.now();
    for (let i = 0; i < 200; i++) {
      const r = await fetch(`${sim.url}/api/v4/projects/${f.projects[i]!.id}/clusters`, {
        headers: { 'PRIVATE-TOKEN': token },
      });
      await r.text();
    }
    console.log('clusters per req ms', (Date.now() - t) / 200);
    const g = f.groups.find((x) => x.parent === null)!;
    t = Date.now();
    const d = await fetch(`${sim.url}/api/v4/discover-cert-based-clusters?group_id=${g.id}`, {
      headers: { 'PRIVATE-TOKEN': token },
    });
    console.log('discover', d.status, JSON.stringify(await d.json()).length, Date.now() - t);
  }
  await sim.close();
}, 120000);
