/**
 * What RFC 2435 can carry of a JPEG: baseline, 8-bit, three components with
 * 4:2:2 (type 0) or 4:2:0 (type 1) sampling and 1x1 chroma, dimensions that are
 * multiples of 8 up to 2040, two 8-bit quantisation tables, and the standard
 * Huffman tables (receivers rebuild those, so any other table corrupts the
 * picture). `toRfc2435Frame` lists every rule a JPEG breaks, not just the first.
 */
import { Either } from "effect"
import type { HuffmanTable, JpegInfo, QuantTable } from "./markers.js"
import {
  type HuffmanSpec,
  sameHuffman,
  standardChromaAc,
  standardChromaDc,
  standardLumaAc,
  standardLumaDc
} from "./tables.js"

export type Rfc2435ProblemCode =
  | "NotBaseline"
  | "Precision"
  | "ComponentCount"
  | "Sampling"
  | "Dimensions"
  | "QuantTables"
  | "HuffmanTables"
  | "Scan"

export interface Rfc2435Problem {
  readonly code: Rfc2435ProblemCode
  readonly message: string
}

/** The parts of a JPEG that RFC 2435 sends: its main header fields, the tables and the scan data. */
export interface Rfc2435Frame {
  /** 0 (4:2:2) or 1 (4:2:0); 64/65 when the frame has a restart interval. */
  readonly type: number
  readonly width: number
  readonly height: number
  readonly restartInterval: number
  /** Luma then chroma quantisation table, 64 bytes each, zigzag order. */
  readonly lumaTable: Buffer
  readonly chromaTable: Buffer
  /** Entropy-coded data, a view into the source JPEG (no copy). */
  readonly scanData: Buffer
}

export const MAX_RFC2435_DIMENSION = 2040

const standardHuffman: ReadonlyArray<{ readonly tableClass: number; readonly id: number; readonly spec: HuffmanSpec; readonly name: string }> = [
  { tableClass: 0, id: 0, spec: standardLumaDc, name: "luminance DC" },
  { tableClass: 1, id: 0, spec: standardLumaAc, name: "luminance AC" },
  { tableClass: 0, id: 1, spec: standardChromaDc, name: "chrominance DC" },
  { tableClass: 1, id: 1, spec: standardChromaAc, name: "chrominance AC" }
]

/** One problem naming every Huffman table that is missing or not the standard one. */
const checkHuffman = (tables: ReadonlyArray<HuffmanTable>): ReadonlyArray<Rfc2435Problem> => {
  const missing: Array<string> = []
  const different: Array<string> = []
  for (const expected of standardHuffman) {
    const table = tables.find((t) => t.tableClass === expected.tableClass && t.id === expected.id)
    if (table === undefined) missing.push(expected.name)
    else if (!sameHuffman(table, expected.spec)) different.push(expected.name)
  }
  return [
    ...(missing.length > 0 ? [{ code: "HuffmanTables" as const, message: `missing Huffman table(s): ${missing.join(", ")}` }] : []),
    ...(different.length > 0
      ? [{ code: "HuffmanTables" as const, message: `optimised (non-standard) Huffman table(s): ${different.join(", ")}; RFC 2435 receivers rebuild the standard tables and would decode garbage` }]
      : [])
  ]
}

export const toRfc2435Frame = (
  jpeg: Buffer,
  info: JpegInfo
): Either.Either<Rfc2435Frame, ReadonlyArray<Rfc2435Problem>> => {
  const problems: Array<Rfc2435Problem> = []
  const { frame } = info
  if (frame.marker !== 0xc0) {
    const kind = frame.marker === 0xc2 ? "progressive" : frame.marker === 0xc1 ? "extended sequential" : `SOF${(frame.marker - 0xc0).toString()}`
    problems.push({ code: "NotBaseline", message: `${kind} JPEG; only baseline (SOF0) can be sent` })
  }
  if (frame.precision !== 8) {
    problems.push({ code: "Precision", message: `${frame.precision}-bit samples; only 8-bit can be sent` })
  }
  const [luma, cb, cr] = frame.components
  if (frame.components.length !== 3 || !luma || !cb || !cr) {
    problems.push({
      code: "ComponentCount",
      message: `${frame.components.length} component(s)${frame.components.length === 1 ? " (grayscale)" : ""}; only 3-component YCbCr can be sent`
    })
  } else {
    const chromaOk = [cb, cr].every((c) => c.horizontalSampling === 1 && c.verticalSampling === 1)
    const lumaOk = luma.horizontalSampling === 2 && (luma.verticalSampling === 1 || luma.verticalSampling === 2)
    if (!chromaOk || !lumaOk) {
      const sampling = frame.components.map((c) => `${c.horizontalSampling}x${c.verticalSampling}`).join(",")
      problems.push({ code: "Sampling", message: `sampling ${sampling}; only 4:2:2 (2x1,1x1,1x1) and 4:2:0 (2x2,1x1,1x1) can be sent` })
    }
    if (cb.quantTableId !== cr.quantTableId) {
      problems.push({ code: "QuantTables", message: "the two chroma components use different quantisation tables; RFC 2435 carries only two tables" })
    }
  }
  if (frame.width % 8 !== 0 || frame.height % 8 !== 0 || frame.width === 0 || frame.height === 0 ||
    frame.width > MAX_RFC2435_DIMENSION || frame.height > MAX_RFC2435_DIMENSION) {
    problems.push({ code: "Dimensions", message: `${frame.width}x${frame.height}; width and height must be non-zero multiples of 8 up to ${MAX_RFC2435_DIMENSION}` })
  }
  const quant = (id: number | undefined): QuantTable | undefined => info.quantTables.find((t) => t.id === id)
  const lumaTable = quant(luma?.quantTableId)
  const chromaTable = quant(cb?.quantTableId)
  if (luma && cb && (!lumaTable || !chromaTable)) {
    problems.push({ code: "QuantTables", message: "a quantisation table the frame uses is not defined" })
  }
  if ((lumaTable && lumaTable.precision !== 8) || (chromaTable && chromaTable.precision !== 8)) {
    problems.push({ code: "QuantTables", message: "16-bit quantisation tables; baseline RFC 2435 carries 8-bit tables" })
  }
  const scan = info.scans[0]
  if (info.scans.length !== 1 || !scan) {
    problems.push({ code: "Scan", message: `${info.scans.length} scans; a baseline frame sent over RFC 2435 has exactly one interleaved scan` })
  } else if (luma && cb && cr) {
    const selectors = scan.components.map((c) => `${c.id}:${c.dcTableId}/${c.acTableId}`).join(" ")
    const expected = `${luma.id}:0/0 ${cb.id}:1/1 ${cr.id}:1/1`
    if (selectors !== expected) {
      problems.push({ code: "Scan", message: `scan uses components/tables ${selectors}; RFC 2435 receivers assume ${expected}` })
    } else {
      problems.push(...checkHuffman(info.huffmanTables))
    }
  }
  if (problems.length > 0 || !luma || !lumaTable || !chromaTable || !scan) {
    return Either.left(problems)
  }
  const baseType = luma.verticalSampling === 2 ? 1 : 0
  return Either.right({
    type: info.restartInterval > 0 ? baseType + 64 : baseType,
    width: frame.width,
    height: frame.height,
    restartInterval: info.restartInterval,
    lumaTable: lumaTable.bytes,
    chromaTable: chromaTable.bytes,
    scanData: jpeg.subarray(scan.dataStart, scan.dataEnd)
  })
}
