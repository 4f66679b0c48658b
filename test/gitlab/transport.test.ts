// The transport under gitbeaker, over real HTTP against the simulator's fault injection. Its waits
// (backoffs, Retry-After, the rate-limit pause) run on a fake clock, shared with the simulator's
// rate limiter, so they cost no real time; only the per-attempt timeouts below are real.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { explainGitLabError } from '../../src/gitlab/errors.js';
import { parseRetryAfter, type RetryEvent } from '../../src/gitlab/transport.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { adminApiToken, demoFixture, testClient, withSimulator } from '../helpers/gitlab.js';

const fixture = demoFixture();
const token = adminApiToken(fixture);

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(10_000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('transport', () => {
  it('retries 5xx answers until one succeeds, counting every call', () =>
    withSimulator({ fixture, faults: { errorEvery: 2, errorStatus: 503 } }, async (sim) => {
      const clock = fakeClock();
      const events: RetryEvent[] = [];
      const client = testClient(sim.url, token, {
        clock,
        baseBackoffMs: 250,
        maxBackoffMs: 30_000,
        onRetry: (e) => events.push(e),
      });
      const versions = await Promise.all([1, 2, 3, 4].map(() => client.metadata()));
      expect(versions.every((m) => m.version === fixture.instance.version)).toBe(true);
      expect(client.stats.retries).toBeGreaterThan(0);
      expect(client.stats.calls).toBe(sim.requests.length);
      expect(sim.requests.filter((r) => r.status === 503).length).toBe(client.stats.retries);
      // each retry waited its backoff on the clock: the production step (250 ms, with jitter)
      expect(clock.sleeps).toEqual(events.map((e) => e.waitMs));
      for (const e of events) expect(e.waitMs).toBeGreaterThanOrEqual(125);
    }));

  it('waits as long as Retry-After says on a 429', () =>
    withSimulator(
      { fixture, faults: { rateLimitStorm: { from: 1, count: 2, retryAfterSeconds: 60 } } },
      async (sim) => {
        const clock = fakeClock();
        const events: RetryEvent[] = [];
        const client = testClient(sim.url, token, { clock, onRetry: (e) => events.push(e) });
        await client.metadata();
        expect(events.map((e) => [e.reason, e.waitMs])).toEqual([
          ['HTTP 429', 60_000],
          ['HTTP 429', 60_000],
        ]);
        // the retry waited the minute out, and the next request did not wait again
        expect(clock.elapsed()).toBeGreaterThanOrEqual(120_000);
        expect(sim.requests.map((r) => r.status)).toEqual([429, 429, 200]);
      },
    ));

  it('abandons a stalled request after the timeout and retries it', () =>
    withSimulator({ fixture, faults: { stallEvery: 2, stallMs: 10_000 } }, async (sim) => {
      const events: RetryEvent[] = [];
      const client = testClient(sim.url, token, {
        clock: fakeClock(),
        timeoutMs: 300,
        onRetry: (e) => events.push(e),
      });
      await client.metadata();
      await client.metadata();
      expect(events.map((e) => e.reason)).toEqual(['timeout']);
    }));

  it('gives up on a request that always stalls with a clear message', () =>
    withSimulator({ fixture, faults: { stallEvery: 1, stallMs: 10_000 } }, async (sim) => {
      const client = testClient(sim.url, token, {
        clock: fakeClock(),
        timeoutMs: 100,
        maxRetries: 2,
      });
      const error = await client
        .metadata()
        .catch((e: unknown) => explainGitLabError(e, sim.url, 'reading /metadata'));
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(/did not answer while reading \/metadata/);
      expect(client.stats.calls).toBe(3);
    }));

  it('does not retry a 401', () =>
    withSimulator({ fixture }, async (sim) => {
      const client = testClient(sim.url, 'glpat-not-a-real-token-000000');
      await expect(client.metadata()).rejects.toThrow();
      expect(client.stats.calls).toBe(1);
    }));

  it('paces itself from RateLimit-* headers instead of running into 429s', () => {
    const clock = fakeClock();
    return withSimulator(
      { fixture, rateLimit: { limit: 4, windowSeconds: 60 }, now: () => clock.now() },
      async (sim) => {
        const client = testClient(sim.url, token, { clock });
        for (let i = 0; i < 9; i += 1) await client.metadata();
        expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
        expect(sim.requests.length).toBe(9);
        // 4 a window: the 5th and the 9th request each waited for the next minute's window
        expect(clock.sleeps).toEqual([60_000, 60_000]);
      },
    );
  });
});
