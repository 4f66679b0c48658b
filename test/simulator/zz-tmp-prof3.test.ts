import { it } from 'vitest';
import { Session } from 'node:inspector/promises';
import { generateInstance } from '../../src/simulator/gitlab/generate-instance.js';
import { SimulatorState } from '../../src/simulator/gitlab/state.js';
import { allRoutes } from '../../src/simulator/gitlab/routes/index.js';
import { Router } from '../../src/simulator/gitlab/router.js';
it('prof3', async () => {
  const f = generateInstance({ projects: 10000, seed: 1 });
  const state = new SimulatorState(f);
  const router = new Router(allRoutes);
  const tok = [...state.tokensBySecret.values()][0]!;
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  for (const path of ['/groups?per_page=100', '/projects?per_page=100&page=3']) {
    const [p, q] = path.split('?');
    const m = router.match('GET', p!, state)!;
    for (let i = 0; i < 300; i++) {
      const ctx = {
        method: 'GET',
        isHead: false,
        rawPath: '/api/v4' + p,
        query: new URLSearchParams(q),
        params: m.params,
        body: undefined,
        user: tok.user,
        token: tok,
        state,
        baseUrl: 'http://127.0.0.1:1234',
        responseHeaders: {},
      };
      await m.route.handler(ctx as never);
    }
  }
  const { profile } = (await s.post('Profiler.stop')) as any;
  const self = new Map<string, number>();
  const dt = profile.timeDeltas as number[];
  const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
  profile.samples.forEach((id: number, i: number) => {
    const n = byId.get(id);
    const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + (dt[i] ?? 0));
  });
  console.log(
    [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, v]) => `${(v / 1000).toFixed(0)}ms ${k}`)
      .join('\n'),
  );
}, 120000);
