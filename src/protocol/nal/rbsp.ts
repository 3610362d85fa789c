/**
 * Reading a NAL unit's RBSP (ITU-T H.264 §7.2, H.265 §7.2): emulation prevention bytes out,
 * then fixed-width and exp-Golomb fields from the bits. What the SPS readers of both codecs use.
 */

/** The RBSP of a NAL unit: its payload with the emulation prevention bytes (00 00 03) taken out. */
export const unescapeRbsp = (nal: Uint8Array): Buffer => {
  const out = Buffer.allocUnsafe(nal.length)
  let n = 0
  let zeros = 0
  for (let i = 0; i < nal.length; i++) {
    const byte = nal[i]!
    if (zeros >= 2 && byte === 3) {
      zeros = 0
      continue
    }
    zeros = byte === 0 ? zeros + 1 : 0
    out[n++] = byte
  }
  return out.subarray(0, n)
}

/** Thrown by the reader past its last bit; the parsers turn it into their typed errors. */
export class PastTheEnd extends Error {}

export interface BitReader {
  /** `count` bits (at most 32) as an unsigned number. */
  readonly u: (count: number) => number
  /** Exp-Golomb ue(v). */
  readonly ue: () => number
  /** Exp-Golomb se(v). */
  readonly se: () => number
}

/** A reader over the RBSP of `payload` (a NAL unit's bytes after its header). */
export const bitReader = (payload: Uint8Array): BitReader => {
  const bytes = unescapeRbsp(payload)
  let bit = 0
  const total = bytes.length * 8
  const u = (count: number): number => {
    if (bit + count > total) throw new PastTheEnd()
    let value = 0
    for (let i = 0; i < count; i++, bit++) value = value * 2 + ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1)
    return value
  }
  /** Exp-Golomb ue(v), at most 32 leading zeros (a value past 2^32 is not an SPS). */
  const ue = (): number => {
    let zeros = 0
    while (u(1) === 0) {
      zeros++
      if (zeros > 31) throw new PastTheEnd()
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + u(zeros)
  }
  const se = (): number => {
    const k = ue()
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2)
  }
  return { u, ue, se }
}

