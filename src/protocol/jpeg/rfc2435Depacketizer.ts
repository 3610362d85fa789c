/**
 * RFC 2435 depacketizer: reassembles frames from RTP packets and rebuilds a
 * complete JPEG for each. A frame with a missing fragment, a timestamp change
 * mid-frame or a bad offset is dropped and reported with the reason, so a
 * receiver can count losses by cause. Stateful but pure: no I/O.
 */
import { Either } from "effect"
import { buildJpegHeader, EOI, type JpegHeaderFields } from "./jpegWriter.js"
import { decodeRfc2435Header, type Rfc2435Header } from "./rfc2435Header.js"
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

export interface DecodedFrame {
  readonly _tag: "Frame"
  readonly timestamp: number
  readonly jpeg: Buffer
  readonly width: number
  readonly height: number
  readonly type: number
  readonly q: number
}

export interface DroppedFrame {
  readonly _tag: "Dropped"
  readonly timestamp: number
  readonly reason: DropReason
  readonly message: string
}

export type DepacketizeEvent = DecodedFrame | DroppedFrame

interface FrameInProgress {
  readonly timestamp: number
  readonly header: Rfc2435Header
  readonly tables: { readonly luma: Uint8Array; readonly chroma: Uint8Array }
  readonly chunks: Array<Uint8Array>
  received: number
}

export interface Rfc2435Depacketizer {
  readonly push: (packet: RtpJpegPacket) => ReadonlyArray<DepacketizeEvent>
}

const dropped = (timestamp: number, reason: DropReason, message: string): DroppedFrame =>
  ({ _tag: "Dropped", timestamp, reason, message })

export const makeRfc2435Depacketizer = (): Rfc2435Depacketizer => {
  let current: FrameInProgress | undefined
  // Timestamp of a frame already reported as dropped: its remaining packets are ignored silently.
  let discarding: number | undefined
  // Tables sent with Q 128..255, kept for later frames that send a zero-length table header.
  const cachedTables = new Map<number, { luma: Uint8Array; chroma: Uint8Array }>()

  const abandon = (reason: DropReason, message: string): Array<DepacketizeEvent> => {
    if (!current) return []
    const event = dropped(current.timestamp, reason, message)
    discarding = current.timestamp
    current = undefined
    return [event]
  }

  const tablesOf = (header: Rfc2435Header): Either.Either<{ luma: Uint8Array; chroma: Uint8Array }, DroppedFrame> => {
    if (header.q >= 1 && header.q <= 99) {
      return Either.right(tablesForQ(header.q))
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

  const finish = (frame: FrameInProgress): DecodedFrame => {
    const { header } = frame
    let jpeg: Buffer | undefined
    return {
      _tag: "Frame",
      timestamp: frame.timestamp,
      // Built on first read, once: a load run counts every frame of every session and reads none
      // (a fresh ~10 KB buffer per frame was most of its garbage).
      get jpeg() {
        jpeg ??= assemble(frame)
        return jpeg
      },
      width: header.width,
      height: header.height,
      type: header.type,
      q: header.q
    }
  }

  const push = (packet: RtpJpegPacket): ReadonlyArray<DepacketizeEvent> => {
    const decoded = decodeRfc2435Header(packet.payload)
    const events: Array<DepacketizeEvent> = []
    if (Either.isLeft(decoded)) {
      events.push(...abandon("BadHeader", decoded.left.message))
      if (discarding !== packet.timestamp) {
        discarding = packet.timestamp
        events.push(dropped(packet.timestamp, "BadHeader", decoded.left.message))
      }
      return events
    }
    const header = decoded.right
    const data = packet.payload.subarray(header.dataOffset)

    if (current && current.timestamp !== packet.timestamp) {
      events.push(...abandon(
        header.fragmentOffset === 0 ? "MissingFragment" : "TimestampChange",
        header.fragmentOffset === 0
          ? `frame ended without its last packet (marker bit) after ${current.received} bytes`
          : `timestamp changed from ${current.timestamp} to ${packet.timestamp} mid-frame`
      ))
    }

    if (header.fragmentOffset === 0) {
      if (current) {
        events.push(...abandon("BadOffset", `a second first fragment (offset 0) arrived after ${current.received} bytes`))
      }
      const baseType = header.type & 0x3f
      if (baseType > 1 || header.type > 127) {
        discarding = packet.timestamp
        events.push(dropped(packet.timestamp, "UnsupportedType", `RFC 2435 type ${header.type} is not supported (only 0, 1, 64, 65)`))
        return events
      }
      const tables = tablesOf(header)
      if (Either.isLeft(tables)) {
        discarding = packet.timestamp
        events.push({ ...tables.left, timestamp: packet.timestamp })
        return events
      }
      discarding = undefined
      current = { timestamp: packet.timestamp, header, tables: tables.right, chunks: [], received: 0 }
    } else if (!current) {
      if (discarding !== packet.timestamp) {
        discarding = packet.timestamp
        events.push(dropped(packet.timestamp, "MissingFirstFragment", `frame's first packet is missing (first seen offset ${header.fragmentOffset})`))
      }
      return events
    } else if (header.fragmentOffset !== current.received) {
      events.push(...abandon(
        header.fragmentOffset > current.received ? "MissingFragment" : "BadOffset",
        `fragment offset ${header.fragmentOffset}, expected ${current.received}`
      ))
      return events
    }

    current.chunks.push(data)
    current.received += data.length
    if (packet.marker) {
      events.push(finish(current))
      current = undefined
    }
    return events
  }

  return { push }
}
