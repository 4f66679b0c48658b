import { it } from 'vitest';
import { generateInstance } from '../../src/simulator/gitlab/generate-instance.js';
import { startGitLabSimulator } from '../../src/simulator/gitlab/server.js';
it('prof', async () => {
  const f = generateInstance({ projects: 10000, seed: 1 });
  const sim = await startGitLabSimulator({ fixture: f });
  const token = f.tokens[0]!.token;
  for (const path of [
    '/projects?per_page=100&page=3',
    '/projects?per_page=100&simple=true',
    '/projects?per_page=20',
    '/projects?pagination=keyset&order_by=id&per_page=100',
    '/projects/5/clusters',
    '/groups?per_page=100',
  ]) {
    const t = process.hrtime.bigint();
    const N = 200;
    let bytes = 0;
    for (let i = 0; i < N; i++) {
      const r = await fetch(`${sim.url}/api/v4${path}`, { headers: { 'PRIVATE-TOKEN': token } });
      bytes += (await r.arrayBuffer()).byteLength;
    }
    console.log(path, Number(process.hrtime.bigint() - t) / 1e6 / N, 'ms/req', bytes / N, 'bytes');
  }
  await sim.close();
}, 120000);
