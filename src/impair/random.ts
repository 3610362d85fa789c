/**
 * Counter-based randomness for impairments: every draw is a hash of (seed, counter, stream), so
 * a packet's fate depends only on the seed and its index, never on how many draws came before
 * or on timing. The same seed gives the same choices over UDP and TCP, run after run. Pure.
 */

/** Which knob a draw is for: each has its own stream, so adding a knob changes no other's choices. */
export const Stream = {
  Loss: 1,
  Burst: 2,
  Duplicate: 3,
  Reorder: 4,
  DelayA: 5,
  DelayB: 6,
  Frame: 7,
  SequenceReset: 8,
  TimestampReset: 9
} as const
export type Stream = (typeof Stream)[keyof typeof Stream]

/** A 32-bit avalanche mix (the murmur3 finalizer): every input bit moves every output bit. */
const mix32 = (x: number): number => {
  let h = x >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** A uniform draw in [0, 1) for `counter` (a packet or frame index) on `stream`. */
export const uniform = (seed: number, counter: number, stream: Stream): number => {
  const low = counter >>> 0
  const high = Math.floor(counter / 2 ** 32) >>> 0
  const h = mix32(mix32(mix32(seed ^ Math.imul(stream, 0x9e3779b9)) ^ low) + Math.imul(high, 0x27d4eb2f))
  return h / 2 ** 32
}

/** A normal draw (Box–Muller on two uniforms of `counter`). */
export const normal = (seed: number, counter: number, mean: number, sd: number): number => {
  // 1 - u keeps the logarithm's argument in (0, 1].
  const u1 = 1 - uniform(seed, counter, Stream.DelayA)
  const u2 = uniform(seed, counter, Stream.DelayB)
  return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}
