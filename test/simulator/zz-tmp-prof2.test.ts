import { it } from 'vitest';
import { generateInstance } from '../../src/simulator/gitlab/generate-instance.js';
import { SimulatorState } from '../../src/simulator/gitlab/state.js';
import { allRoutes } from '../../src/simulator/gitlab/routes/index.js';
import { Router } from '../../src/simulator/gitlab/router.js';
it('prof2', async () => {
  const f = generateInstance({ projects: 10000, seed: 1 });
  const state = new SimulatorState(f);
  const router = new Router(allRoutes);
  const admin = [...state.tokensBySecret.values()][0]!;
  const user = [...state.tokensBySecret.values()][1]!;
  for (const tok of [admin, user])
    for (const path of [
      '/projects?per_page=100&page=3',
      '/projects?pagination=keyset&order_by=id&per_page=100',
      '/groups?per_page=100',
    ]) {
      const [p, q] = path.split('?');
      const m = router.match('GET', p!, state)!;
      const N = 200;
      let t = performance.now();
      let out: unknown;
      for (let i = 0; i < N; i++) {
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
        out = await m.route.handler(ctx as never);
      }
      const handler = (performance.now() - t) / N;
      t = performance.now();
      for (let i = 0; i < N; i++) JSON.stringify((out as { json: unknown }).json);
      console.log(
        tok.user.username,
        path,
        'handler',
        handler.toFixed(2),
        'stringify',
        ((performance.now() - t) / N).toFixed(2),
      );
    }
}, 120000);
