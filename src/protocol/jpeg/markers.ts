/**
 * JPEG marker walker and parser (ITU T.81 Annex B). Walks segments by their
 * length fields, so an EXIF thumbnail inside APP1 (with its own SOI/EOI) is
 * skipped whole, and walks entropy-coded data treating 0xFF00 (byte stuffing)
 * and RSTn as data, so neither ends a scan.
 */
import { Data, Either } from "effect"
import type { HuffmanSpec } from "./tables.js"

export const Marker = {
  SOI: 0xd8,
  EOI: 0xd9,
  SOS: 0xda,
  DQT: 0xdb,
  DHT: 0xc4,
  DRI: 0xdd,
  SOF0: 0xc0,
  TEM: 0x01,
  COM: 0xfe
} as const

export type JpegErrorReason = "NotJpeg" | "Truncated" | "BadSegment" | "NoFrameHeader" | "NoScan"

export class JpegError extends Data.TaggedError("JpegError")<{
  readonly reason: JpegErrorReason
  readonly offset: number
  readonly message: string
}> {}

export interface JpegComponent {
  readonly id: number
  readonly horizontalSampling: number
  readonly verticalSampling: number
  readonly quantTableId: number
}

export interface JpegFrameHeader {
  /** The SOFn marker byte (0xC0 baseline, 0xC1 extended, 0xC2 progressive, ...). */
  readonly marker: number
  readonly precision: number
  readonly width: number
  readonly height: number
  readonly components: ReadonlyArray<JpegComponent>
}

export interface QuantTable {
  readonly id: number
  /** 8 or 16 bits per entry. */
  readonly precision: 8 | 16
  /** The 64 entries in zigzag order, as stored in the DQT segment. */
  readonly values: ReadonlyArray<number>
  /** The raw table bytes (64 or 128), a view into the JPEG. */
  readonly bytes: Buffer
}

export interface HuffmanTable extends HuffmanSpec {
  /** 0 = DC, 1 = AC. */
  readonly tableClass: number
  readonly id: number
}

export interface ScanComponent {
  readonly id: number
  readonly dcTableId: number
  readonly acTableId: number
}

export interface JpegScan {
  readonly components: ReadonlyArray<ScanComponent>
  readonly spectralStart: number
  readonly spectralEnd: number
  readonly approximation: number
  /** Byte offsets of the entropy-coded data: from just after the SOS header to the next marker. */
  readonly dataStart: number
  readonly dataEnd: number
}

export interface JpegInfo {
  readonly frame: JpegFrameHeader
  /** Tables in effect at the first scan, by id (a later DQT with the same id replaces an earlier one). */
  readonly quantTables: ReadonlyArray<QuantTable>
  readonly huffmanTables: ReadonlyArray<HuffmanTable>
  /** 0 when the JPEG has no DRI segment. */
  readonly restartInterval: number
  /** Text of the COM segments before the first scan (latin1). */
  readonly comments: ReadonlyArray<string>
  readonly scans: ReadonlyArray<JpegScan>
  /** Offset of the EOI marker. */
  readonly eoiOffset: number
  /** Offset just past the EOI marker: the JPEG's length. */
  readonly end: number
}

const isStandalone = (marker: number): boolean =>
  marker === Marker.TEM || (marker >= 0xd0 && marker <= 0xd7)

/** Offset of the first marker after entropy-coded data starting at `from` (skips 0xFF00 and RSTn). */
export const scanDataEnd = (buf: Uint8Array, from: number): number => {
  let i = from
  while (i + 1 < buf.length) {
    if (buf[i] !== 0xff) {
      i++
      continue
    }
    const next = buf[i + 1]!
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
      // Stuffed byte, restart marker or fill byte: still scan data.
      i += next === 0xff ? 1 : 2
      continue
    }
    return i
  }
  return buf.length
}

interface Segment {
  readonly marker: number
  /** Offset of the 0xFF of the marker. */
  readonly offset: number
  /** Payload after the length field. */
  readonly body: Buffer
}

type WalkStep = { readonly segment: Segment } | { readonly end: number }

/**
 * Walks one JPEG starting at `start`, calling `onSegment` for every marker
 * segment; returns the offset just past EOI. Entropy-coded data after each SOS
 * is skipped (and reported to `onScanData`).
 */
const walk = (
  buf: Buffer,
  start: number,
  onSegment: (segment: Segment) => void,
  onScanData: (dataStart: number, dataEnd: number) => void
): Either.Either<number, JpegError> => {
  if (buf.length < start + 2 || buf[start] !== 0xff || buf[start + 1] !== Marker.SOI) {
    return Either.left(new JpegError({ reason: "NotJpeg", offset: start, message: `no JPEG SOI marker (FF D8) at byte ${start}` }))
  }
  let i = start + 2
  for (;;) {
    const step = nextSegment(buf, i)
    if (Either.isLeft(step)) return Either.left(step.left)
    const value = step.right
    if ("end" in value) return Either.right(value.end)
    const { segment } = value
    onSegment(segment)
    i = segment.offset + 4 + segment.body.length
    if (segment.marker === Marker.SOS) {
      const dataEnd = scanDataEnd(buf, i)
      if (dataEnd >= buf.length) {
        return Either.left(new JpegError({ reason: "Truncated", offset: buf.length, message: `scan data starting at byte ${i} runs to the end of the data without an EOI marker` }))
      }
      onScanData(i, dataEnd)
      i = dataEnd
    }
  }
}

const nextSegment = (buf: Buffer, from: number): Either.Either<WalkStep, JpegError> => {
  let i = from
  for (;;) {
    if (i >= buf.length) {
      return Either.left(new JpegError({ reason: "Truncated", offset: i, message: `JPEG ends at byte ${i} without an EOI marker` }))
    }
    if (buf[i] !== 0xff) {
      return Either.left(new JpegError({ reason: "BadSegment", offset: i, message: `expected a marker (FF xx) at byte ${i}, found 0x${buf[i]!.toString(16).padStart(2, "0")}` }))
    }
    // Any number of 0xFF fill bytes may precede a marker.
    let m = i + 1
    while (m < buf.length && buf[m] === 0xff) m++
    if (m >= buf.length) {
      return Either.left(new JpegError({ reason: "Truncated", offset: m, message: `JPEG ends at byte ${m} inside a marker` }))
    }
    const marker = buf[m]!
    const offset = m - 1
    if (marker === Marker.EOI) return Either.right({ end: m + 1 })
    if (marker === 0x00 || marker === Marker.SOI) {
      return Either.left(new JpegError({ reason: "BadSegment", offset, message: `unexpected marker FF ${marker.toString(16).padStart(2, "0")} at byte ${offset}` }))
    }
    if (isStandalone(marker)) {
      i = m + 1
      continue
    }
    if (m + 2 >= buf.length) {
      return Either.left(new JpegError({ reason: "Truncated", offset, message: `JPEG ends inside the length of marker FF ${marker.toString(16)} at byte ${offset}` }))
    }
    const length = buf.readUInt16BE(m + 1)
    if (length < 2) {
      return Either.left(new JpegError({ reason: "BadSegment", offset, message: `segment FF ${marker.toString(16)} at byte ${offset} has length ${length} (< 2)` }))
    }
    if (m + 1 + length > buf.length) {
      return Either.left(new JpegError({ reason: "Truncated", offset, message: `segment FF ${marker.toString(16)} at byte ${offset} claims ${length} bytes but the data ends at byte ${buf.length}` }))
    }
    return Either.right({ segment: { marker, offset, body: buf.subarray(m + 3, m + 1 + length) } })
  }
}

/** Offset just past the EOI of the JPEG starting at `start`: how raw concatenated JPEG streams are split. */
export const findJpegEnd = (buf: Buffer, start: number): Either.Either<number, JpegError> =>
  walk(buf, start, () => undefined, () => undefined)

const bad = (segment: Segment, what: string): JpegError =>
  new JpegError({
    reason: "BadSegment",
    offset: segment.offset,
    message: `malformed ${what} segment at byte ${segment.offset}`
  })

const parseFrameHeader = (segment: Segment): Either.Either<JpegFrameHeader, JpegError> => {
  const b = segment.body
  if (b.length < 6) return Either.left(bad(segment, "SOF"))
  const count = b[5]!
  if (b.length < 6 + count * 3) return Either.left(bad(segment, "SOF"))
  const components: Array<JpegComponent> = []
  for (let c = 0; c < count; c++) {
    const at = 6 + c * 3
    components.push({
      id: b[at]!,
      horizontalSampling: b[at + 1]! >> 4,
      verticalSampling: b[at + 1]! & 0x0f,
      quantTableId: b[at + 2]!
    })
  }
  return Either.right({
    marker: segment.marker,
    precision: b[0]!,
    height: b.readUInt16BE(1),
    width: b.readUInt16BE(3),
    components
  })
}

const parseQuantTables = (segment: Segment): Either.Either<ReadonlyArray<QuantTable>, JpegError> => {
  const b = segment.body
  const tables: Array<QuantTable> = []
  let i = 0
  while (i < b.length) {
    const precision = b[i]! >> 4 === 0 ? 8 : 16
    const size = precision === 8 ? 64 : 128
    if (i + 1 + size > b.length) return Either.left(bad(segment, "DQT"))
    const bytes = b.subarray(i + 1, i + 1 + size)
    const values = precision === 8 ? Array.from(bytes) : Array.from({ length: 64 }, (_, k) => bytes.readUInt16BE(k * 2))
    tables.push({ id: b[i]! & 0x0f, precision, values, bytes })
    i += 1 + size
  }
  return Either.right(tables)
}

const parseHuffmanTables = (segment: Segment): Either.Either<ReadonlyArray<HuffmanTable>, JpegError> => {
  const b = segment.body
  const tables: Array<HuffmanTable> = []
  let i = 0
  while (i < b.length) {
    if (i + 17 > b.length) return Either.left(bad(segment, "DHT"))
    const counts = Array.from(b.subarray(i + 1, i + 17))
    const total = counts.reduce((sum, n) => sum + n, 0)
    if (i + 17 + total > b.length) return Either.left(bad(segment, "DHT"))
    tables.push({
      tableClass: b[i]! >> 4,
      id: b[i]! & 0x0f,
      counts,
      symbols: Array.from(b.subarray(i + 17, i + 17 + total))
    })
    i += 17 + total
  }
  return Either.right(tables)
}

const parseScanHeader = (segment: Segment): Either.Either<Omit<JpegScan, "dataStart" | "dataEnd">, JpegError> => {
  const b = segment.body
  const count = b[0] ?? 0
  if (b.length < 1 + count * 2 + 3) return Either.left(bad(segment, "SOS"))
  const components: Array<ScanComponent> = []
  for (let c = 0; c < count; c++) {
    const selectors = b[2 + c * 2]!
    components.push({ id: b[1 + c * 2]!, dcTableId: selectors >> 4, acTableId: selectors & 0x0f })
  }
  const at = 1 + count * 2
  return Either.right({ components, spectralStart: b[at]!, spectralEnd: b[at + 1]!, approximation: b[at + 2]! })
}

const isFrameHeaderMarker = (marker: number): boolean =>
  marker >= 0xc0 && marker <= 0xcf && marker !== Marker.DHT && marker !== 0xc8 && marker !== 0xcc

/** Parses the JPEG that starts at `start` in `buf` (offsets in the result are offsets into `buf`). */
export const parseJpeg = (buf: Buffer, start = 0): Either.Either<JpegInfo, JpegError> => {
  let frame: JpegFrameHeader | undefined
  const quant = new Map<number, QuantTable>()
  const huffman = new Map<number, HuffmanTable>()
  let restartInterval = 0
  const comments: Array<string> = []
  const scans: Array<JpegScan> = []
  let pendingScan: Omit<JpegScan, "dataStart" | "dataEnd"> | undefined
  let failure: JpegError | undefined
  let lastMarkerOffset = start

  const fail = (error: JpegError): void => {
    failure ??= error
  }
  const end = walk(
    buf,
    start,
    (segment) => {
      lastMarkerOffset = segment.offset
      if (failure) return
      if (isFrameHeaderMarker(segment.marker)) {
        if (frame) return fail(new JpegError({ reason: "BadSegment", offset: segment.offset, message: `second frame header (SOF) at byte ${segment.offset}` }))
        Either.match(parseFrameHeader(segment), { onLeft: fail, onRight: (f) => { frame = f } })
      } else if (segment.marker === Marker.DQT) {
        // Only the tables in force for the first scan matter to RFC 2435.
        if (scans.length > 0) return
        Either.match(parseQuantTables(segment), { onLeft: fail, onRight: (ts) => ts.forEach((t) => quant.set(t.id, t)) })
      } else if (segment.marker === Marker.DHT) {
        if (scans.length > 0) return
        Either.match(parseHuffmanTables(segment), { onLeft: fail, onRight: (ts) => ts.forEach((t) => huffman.set(t.tableClass * 16 + t.id, t)) })
      } else if (segment.marker === Marker.DRI) {
        if (segment.body.length !== 2) return fail(bad(segment, "DRI"))
        if (scans.length === 0) restartInterval = segment.body.readUInt16BE(0)
      } else if (segment.marker === Marker.COM) {
        if (scans.length === 0) comments.push(segment.body.toString("latin1"))
      } else if (segment.marker === Marker.SOS) {
        if (!frame) return fail(new JpegError({ reason: "NoFrameHeader", offset: segment.offset, message: `scan (SOS) at byte ${segment.offset} before any frame header (SOF)` }))
        Either.match(parseScanHeader(segment), { onLeft: fail, onRight: (s) => { pendingScan = s } })
      }
    },
    (dataStart, dataEnd) => {
      if (pendingScan) scans.push({ ...pendingScan, dataStart, dataEnd })
      pendingScan = undefined
    }
  )
  if (Either.isLeft(end)) return Either.left(end.left)
  if (failure) return Either.left(failure)
  if (!frame) return Either.left(new JpegError({ reason: "NoFrameHeader", offset: start, message: "JPEG has no frame header (SOF)" }))
  if (scans.length === 0) return Either.left(new JpegError({ reason: "NoScan", offset: lastMarkerOffset, message: "JPEG has no scan (SOS)" }))
  return Either.right({
    frame,
    quantTables: [...quant.values()],
    huffmanTables: [...huffman.values()],
    restartInterval,
    comments,
    scans,
    eoiOffset: end.right - 2,
    end: end.right
  })
}
