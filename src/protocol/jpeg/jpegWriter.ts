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

const segment = (marker: number, body: ReadonlyArray<number>): Array<number> =>
  [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]

const huffmanSegmentBody = (tableClass: number, id: number, spec: HuffmanSpec): Array<number> =>
  [(tableClass << 4) | id, ...spec.counts, ...spec.symbols]

export const buildJpegHeader = (fields: JpegHeaderFields): Buffer => {
  const lumaVertical = (fields.type & 0x3f) === 1 ? 2 : 1
  const bytes: Array<number> = [
    0xff, 0xd8,
    ...segment(0xdb, [0x00, ...fields.lumaTable, 0x01, ...fields.chromaTable]),
    ...segment(0xc0, [
      8,
      fields.height >> 8, fields.height & 0xff,
      fields.width >> 8, fields.width & 0xff,
      3,
      0, 0x20 | lumaVertical, 0,
      1, 0x11, 1,
      2, 0x11, 1
    ]),
    ...(fields.restartInterval > 0
      ? segment(0xdd, [fields.restartInterval >> 8, fields.restartInterval & 0xff])
      : []),
    ...segment(0xc4, [
      ...huffmanSegmentBody(0, 0, standardLumaDc),
      ...huffmanSegmentBody(1, 0, standardLumaAc),
      ...huffmanSegmentBody(0, 1, standardChromaDc),
      ...huffmanSegmentBody(1, 1, standardChromaAc)
    ]),
    ...segment(0xda, [3, 0, 0x00, 1, 0x11, 2, 0x11, 0, 63, 0])
  ]
  return Buffer.from(bytes)
}

export const EOI = Buffer.from([0xff, 0xd9])
