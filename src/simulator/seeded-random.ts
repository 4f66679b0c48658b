// One seeded PRNG for everything the simulators make up (generated instances, random faults), so a
// seed reproduces the same instance and the same fault sequence on every machine and Node version.

export type Random = () => number;

/** mulberry32: a tiny 32-bit PRNG, good enough for fixtures and fault dice, identical on every platform. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
