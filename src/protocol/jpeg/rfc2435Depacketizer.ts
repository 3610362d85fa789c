/**
 * RFC 2435 depacketizer: reassembles frames from RTP packets and rebuilds a
 * complete JPEG for each. A frame with a missing fragment, a timestamp change
 * mid-frame or a bad offset is dropped and reported with the reason, so a
 * receiver can count losses by cause. Stateful but pure: no I/O.
 *
 * The frame counter is the same machine keeping no bytes: every frame and drop
 * it reports is the depacketizer's, for receivers that only count (a load run).
 * Its payloads need to live only during the call, so they can be read in place
 * from a reused receive buffer, and a packet that completes nothing allocates
 * nothing.
 */
import { Either } from "effect"
import { buildJpegHeader, EOI, type JpegHeaderFields } from "./jpegWriter.js"
import { decodeRfc2435Header, hasRestartHeader, MAIN_HEADER_SIZE, type Rfc2435Header, RESTART_HEADER_SIZE } from "./rfc2435Header.js"
import { tablesForQ } from "./tables.js"

/** The fields of an RTP packet the depacketizer needs. */
export interface RtpJpegPacket {
  readonly timestamp: number
  readonly marker: boolean
  readonly payload: Uint8Array
}

export type DropReason =
  | "MissingFragment"
  | "MissingFirstFragment"
  | "TimestampChange"
  | "BadOffset"
  | "BadHeader"
  | "MissingTables"
  | "UnsupportedType"
  | "UnsupportedQ"

/** A whole frame, as the counter reports it. */
export interface AssembledFrame {
  readonly _tag: "Frame"
  readonly timestamp: number
  readonly width: number
  readonly height: number
  readonly type: number
  readonly q: number
}

export interface DecodedFrame extends AssembledFrame {
  readonly jpeg: Buffer
}

export interface DroppedFrame {
  readonly _tag: "Dropped"
  readonly timestamp: number
  readonly reason: DropReason
  readonly message: string
}

export type DepacketizeEvent = DecodedFrame | DroppedFrame
export type CountEvent = AssembledFrame | DroppedFrame

interface FrameInProgress {
  readonly timestamp: number
  readonly header: Rfc2435Header
  readonly tables: { readonly luma: Uint8Array; readonly chroma: Uint8Array }
  /** The scan data so far; stays empty in the counter. */
  readonly chunks: Array<Uint8Array>
  received: number
}

export interface Rfc2435Depacketizer {
  readonly push: (packet: RtpJpegPacket) => ReadonlyArray<DepacketizeEvent>
  /** The same from bytes [start, end) of `bytes`, which the frame keeps views of (they must not be reused). */
  readonly pushPayload: (timestamp: number, marker: boolean, bytes: Uint8Array, start: number, end: number) => ReadonlyArray<DepacketizeEvent>
}

export interface Rfc2435FrameCounter {
  /** One packet's payload, bytes [start, end) of `bytes` (read during the call only); most packets return a shared empty array. */
  readonly pushPayload: (timestamp: number, marker: boolean, bytes: Uint8Array, start: number, end: number) => ReadonlyArray<CountEvent>
}

const dropped = (timestamp: number, reason: DropReason, message: string): DroppedFrame =>
  ({ _tag: "Dropped", timestamp, reason, message })

const NO_EVENTS: ReadonlyArray<never> = []

/** Where a fragment's scan data starts, read in place: for packets after a frame's first, the common case. -1: decode the header. */
const continuationDataOffset = (bytes: Uint8Array, start: number, end: number): number => {
  if (end - start < MAIN_HEADER_SIZE) return -1
  if (bytes[start + 1] === 0 && bytes[start + 2] === 0 && bytes[start + 3] === 0) return -1
  const dataOffset = hasRestartHeader(bytes[start + 4]!) ? MAIN_HEADER_SIZE + RESTART_HEADER_SIZE : MAIN_HEADER_SIZE
  return dataOffset <= end - start ? dataOffset : -1
}

/** The machine both share; `keepData` false keeps no chunk, and `frameOf` makes the frame event. */
const makeMachine = <F extends AssembledFrame>(keepData: boolean, frameOf: (frame: FrameInProgress, assemble: (frame: FrameInProgress) => Buffer) => F) => {
  let current: FrameInProgress | undefined
  // Timestamp of a frame already reported as dropped: its remaining packets are ignored silently.
  let discarding: number | undefined
  // Tables sent with Q 128..255, kept for later frames that send a zero-length table header.
  const cachedTables = new Map<number, { luma: Uint8Array; chroma: Uint8Array }>()
  const formulaTables = new Map<number, { luma: Uint8Array; chroma: Uint8Array }>()

  // Events of the packet being pushed: allocated only when there is one.
  let events: Array<F | DroppedFrame> | undefined
  const emit = (event: F | DroppedFrame): void => {
    events ??= []
    events.push(event)
  }
  const abandon = (reason: DropReason, message: string): void => {
    if (!current) return
    emit(dropped(current.timestamp, reason, message))
    discarding = current.timestamp
    current = undefined
  }

  const tablesOf = (header: Rfc2435Header): Either.Either<{ luma: Uint8Array; chroma: Uint8Array }, DroppedFrame> => {
    if (header.q >= 1 && header.q <= 99) {
      // The RFC's formula, worked out once per Q rather than once a frame.
      let tables = formulaTables.get(header.q)
      if (tables === undefined) {
        tables = tablesForQ(header.q)
        formulaTables.set(header.q, tables)
      }
      return Either.right(tables)
    }
    if (header.q < 128) {
      return Either.left(dropped(0, "UnsupportedQ", `Q=${header.q} is reserved`))
    }
    const quant = header.quant
    if (quant && quant.tables.length > 0) {
      const size = quant.precision & 1 ? 128 : 64
      if (quant.precision !== 0 || quant.tables.length < 2 * size) {
        return Either.left(dropped(0, "BadHeader", `unsupported quantisation header (precision ${quant.precision}, ${quant.tables.length} bytes)`))
      }
      const tables = { luma: Buffer.from(quant.tables.subarray(0, 64)), chroma: Buffer.from(quant.tables.subarray(64, 128)) }
      cachedTables.set(header.q, tables)
      return Either.right(tables)
    }
    const cached = cachedTables.get(header.q)
    return cached
      ? Either.right(cached)
      : Either.left(dropped(0, "MissingTables", `Q=${header.q} frame without in-band tables and none cached`))
  }

  // Consecutive frames of a stream almost always share their header: rebuild it only on a change.
  let lastHead: { readonly fields: JpegHeaderFields; readonly bytes: Buffer } | undefined
  const sameFields = (a: JpegHeaderFields, b: JpegHeaderFields): boolean =>
    a.type === b.type && a.width === b.width && a.height === b.height && a.restartInterval === b.restartInterval &&
    Buffer.from(a.lumaTable.buffer, a.lumaTable.byteOffset, a.lumaTable.byteLength).equals(b.lumaTable) &&
    Buffer.from(a.chromaTable.buffer, a.chromaTable.byteOffset, a.chromaTable.byteLength).equals(b.chromaTable)
  const headerFor = (fields: JpegHeaderFields): Buffer => {
    if (lastHead === undefined || !sameFields(lastHead.fields, fields)) lastHead = { fields, bytes: buildJpegHeader(fields) }
    return lastHead.bytes
  }

  const assemble = (frame: FrameInProgress): Buffer => {
    const { header } = frame
    const head = headerFor({
      type: header.type,
      width: header.width,
      height: header.height,
      restartInterval: header.restart?.interval ?? 0,
      lumaTable: frame.tables.luma,
      chromaTable: frame.tables.chroma
    })
    const last = frame.chunks[frame.chunks.length - 1]
    const endsWithEoi = last !== undefined && last.length >= 2 && last[last.length - 2] === 0xff && last[last.length - 1] === 0xd9
    // One allocation for the whole frame.
    const jpeg = Buffer.allocUnsafe(head.length + frame.received + (endsWithEoi ? 0 : EOI.length))
    let at = head.copy(jpeg, 0)
    for (const chunk of frame.chunks) {
      jpeg.set(chunk, at)
      at += chunk.length
    }
    if (!endsWithEoi) EOI.copy(jpeg, at)
    return jpeg
  }

  const pushPayload = (timestamp: number, marker: boolean, bytes: Uint8Array, start: number, end: number): ReadonlyArray<F | DroppedFrame> => {
    events = undefined
    step(timestamp, marker, bytes, start, end)
    return events ?? NO_EVENTS
  }

  const step = (timestamp: number, marker: boolean, bytes: Uint8Array, start: number, end: number): void => {
    let fragmentOffset: number
    let dataOffset = continuationDataOffset(bytes, start, end)
    let header: Rfc2435Header | undefined
    if (dataOffset >= 0) {
      fragmentOffset = (bytes[start + 1]! << 16) | (bytes[start + 2]! << 8) | bytes[start + 3]!
    } else {
      const decoded = decodeRfc2435Header(bytes.subarray(start, end))
      if (Either.isLeft(decoded)) {
        abandon("BadHeader", decoded.left.message)
        if (discarding !== timestamp) {
          discarding = timestamp
          emit(dropped(timestamp, "BadHeader", decoded.left.message))
        }
        return
      }
      header = decoded.right
      fragmentOffset = header.fragmentOffset
      dataOffset = header.dataOffset
    }

    if (current && current.timestamp !== timestamp) {
      abandon(
        fragmentOffset === 0 ? "MissingFragment" : "TimestampChange",
        fragmentOffset === 0
          ? `frame ended without its last packet (marker bit) after ${current.received} bytes`
          : `timestamp changed from ${current.timestamp} to ${timestamp} mid-frame`
      )
    }

    if (header !== undefined && fragmentOffset === 0) {
      if (current) abandon("BadOffset", `a second first fragment (offset 0) arrived after ${current.received} bytes`)
      const baseType = header.type & 0x3f
      if (baseType > 1 || header.type > 127) {
        discarding = timestamp
        emit(dropped(timestamp, "UnsupportedType", `RFC 2435 type ${header.type} is not supported (only 0, 1, 64, 65)`))
        return
      }
      const tables = tablesOf(header)
      if (Either.isLeft(tables)) {
        discarding = timestamp
        emit({ ...tables.left, timestamp })
        return
      }
      discarding = undefined
      current = { timestamp, header, tables: tables.right, chunks: [], received: 0 }
    } else if (!current) {
      if (discarding !== timestamp) {
        discarding = timestamp
        emit(dropped(timestamp, "MissingFirstFragment", `frame's first packet is missing (first seen offset ${fragmentOffset})`))
      }
      return
    } else if (fragmentOffset !== current.received) {
      abandon(fragmentOffset > current.received ? "MissingFragment" : "BadOffset", `fragment offset ${fragmentOffset}, expected ${current.received}`)
      return
    }

    const dataLength = end - start - dataOffset
    if (keepData) current.chunks.push(bytes.subarray(start + dataOffset, end))
    current.received += dataLength
    if (marker) {
      emit(frameOf(current, assemble))
      current = undefined
    }
  }

  return pushPayload
}

export const makeRfc2435Depacketizer = (): Rfc2435Depacketizer => {
  const pushPayload = makeMachine<DecodedFrame>(true, (frame, assemble) => {
    const { header } = frame
    let jpeg: Buffer | undefined
    return {
      _tag: "Frame",
      timestamp: frame.timestamp,
      // Built on first read, once: a receiver that only looks at some frames pays for those.
      get jpeg() {
        jpeg ??= assemble(frame)
        return jpeg
      },
      width: header.width,
      height: header.height,
      type: header.type,
      q: header.q
    }
  })
  return { push: (packet) => pushPayload(packet.timestamp, packet.marker, packet.payload, 0, packet.payload.length), pushPayload }
}

export const makeRfc2435FrameCounter = (): Rfc2435FrameCounter => ({
  pushPayload: makeMachine<AssembledFrame>(false, ({ timestamp, header }) => ({
    _tag: "Frame",
    timestamp,
    width: header.width,
    height: header.height,
    type: header.type,
    q: header.q
  }))
})
