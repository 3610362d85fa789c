/**
 * Writes the JPEG headers an RFC 2435 receiver reconstructs (RFC 2435
 * Appendix B): SOI, DQT, SOF0, DRI, the standard DHT tables and SOS. The scan
 * data and EOI follow.
 */
import {
  type HuffmanSpec,
  standardChromaAc,
  standardChromaDc,
  standardLumaAc,
  standardLumaDc
} from "./tables.js"

export interface JpegHeaderFields {
  /** RFC 2435 type: 0/64 = 4:2:2, 1/65 = 4:2:0. */
  readonly type: number
  readonly width: number
  readonly height: number
  readonly restartInterval: number
  /** 64 bytes each, zigzag order. */
  readonly lumaTable: Uint8Array
  readonly chromaTable: Uint8Array
}

/** The DHT segment is the same for every frame: the four standard tables (RFC 2435 Appendix B). */
const huffmanBody = (tableClass: number, id: number, spec: HuffmanSpec): Array<number> =>
  [(tableClass << 4) | id, ...spec.counts, ...spec.symbols]

const STANDARD_DHT: Buffer = (() => {
  const body = [
    ...huffmanBody(0, 0, standardLumaDc),
    ...huffmanBody(1, 0, standardLumaAc),
    ...huffmanBody(0, 1, standardChromaDc),
    ...huffmanBody(1, 1, standardChromaAc)
  ]
  return Buffer.from([0xff, 0xc4, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body])
})()

const SOS = Buffer.from([0xff, 0xda, 0x00, 0x0c, 3, 0, 0x00, 1, 0x11, 2, 0x11, 0, 63, 0])

/** SOI + DQT (two 8-bit tables) + SOF0 + [DRI] + DHT + SOS, written into one buffer (once per frame on the receive path). */
export const buildJpegHeader = (fields: JpegHeaderFields): Buffer => {
  const lumaVertical = (fields.type & 0x3f) === 1 ? 2 : 1
  const dqtLength = 2 + 2 * 65
  const withDri = fields.restartInterval > 0
  const size = 2 + (2 + dqtLength) + 19 + (withDri ? 6 : 0) + STANDARD_DHT.length + SOS.length
  const out = Buffer.allocUnsafe(size)
  let at = 0
  const put = (...bytes: ReadonlyArray<number>): void => {
    for (const b of bytes) out[at++] = b
  }
  put(0xff, 0xd8)
  put(0xff, 0xdb, dqtLength >> 8, dqtLength & 0xff, 0x00)
  out.set(fields.lumaTable.subarray(0, 64), at)
  at += 64
  put(0x01)
  out.set(fields.chromaTable.subarray(0, 64), at)
  at += 64
  put(0xff, 0xc0, 0, 17, 8, fields.height >> 8, fields.height & 0xff, fields.width >> 8, fields.width & 0xff, 3)
  put(0, 0x20 | lumaVertical, 0, 1, 0x11, 1, 2, 0x11, 1)
  if (withDri) put(0xff, 0xdd, 0, 4, fields.restartInterval >> 8, fields.restartInterval & 0xff)
  at += STANDARD_DHT.copy(out, at)
  at += SOS.copy(out, at)
  return out
}

export const EOI = Buffer.from([0xff, 0xd9])
