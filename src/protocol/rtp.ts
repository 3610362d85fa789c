/**
 * RTP fixed header and packet codec (RFC 3550 §5.1, §5.3.1).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |                             SSRC                              |
 * |                 CSRC list (CC entries, 32 bits)               |
 * |   extension profile (16)      |  extension length (16, words) |
 * |                 extension data (length * 4 bytes)             |
 *
 * Pure: bytes in, data out. The decoder never throws and never copies the payload.
 */
import { Data, Either } from "effect"
import { asBuffer } from "./bytes.js"

export const RTP_VERSION = 2
export const RTP_FIXED_HEADER_SIZE = 12
export const RTP_MAX_CSRCS = 15

export interface RtpHeaderExtension {
  /** The 16-bit "defined by profile" field (0xBEDE for RFC 8285 one-byte headers). */
  readonly profile: number
  /** Extension body; its length is a multiple of 4 bytes. */
  readonly data: Buffer
}

export interface RtpHeader {
  readonly marker: boolean
  /** 7 bits. */
  readonly payloadType: number
  /** 16 bits, wraps. */
  readonly sequenceNumber: number
  /** Unsigned 32 bits, wraps. */
  readonly timestamp: number
  /** Unsigned 32 bits. */
  readonly ssrc: number
  /** At most 15 unsigned 32-bit ids. */
  readonly csrcs: ReadonlyArray<number>
  readonly extension?: RtpHeaderExtension
}

export interface RtpPacket {
  readonly header: RtpHeader
  readonly payload: Buffer
  /** Number of padding bytes at the end of the packet (0 = P bit clear), counting the final count byte. */
  readonly paddingLength: number
}

export type RtpDecodeErrorReason =
  | "TooShort"
  | "BadVersion"
  | "TruncatedCsrcList"
  | "TruncatedExtension"
  | "BadPadding"

export class RtpDecodeError extends Data.TaggedError("RtpDecodeError")<{
  readonly reason: RtpDecodeErrorReason
  readonly message: string
}> {}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/**
 * Writes the plain 12-byte header (V=2, P=0, X=0, CC=0) at `offset`: the per-packet hot path,
 * no allocation. Sequence number and timestamp are taken modulo 2^16 / 2^32, so callers can pass
 * `ts0 + k * step` without wrapping it themselves.
 */
export const writeRtpHeader = (
  target: Buffer,
  offset: number,
  marker: boolean,
  payloadType: number,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number
): void => {
  // Byte stores rather than writeUInt16BE/32BE: those check range and bounds on every call, about
  // three times the cost of the stores, and `>>>` already reduces each field to its width.
  target[offset] = 0x80
  target[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f)
  target[offset + 2] = (sequenceNumber >>> 8) & 0xff
  target[offset + 3] = sequenceNumber & 0xff
  target[offset + 4] = timestamp >>> 24
  target[offset + 5] = (timestamp >>> 16) & 0xff
  target[offset + 6] = (timestamp >>> 8) & 0xff
  target[offset + 7] = timestamp & 0xff
  target[offset + 8] = ssrc >>> 24
  target[offset + 9] = (ssrc >>> 16) & 0xff
  target[offset + 10] = (ssrc >>> 8) & 0xff
  target[offset + 11] = ssrc & 0xff
}

/** Header size in bytes for `h`: 12 + 4 * CC + (extension ? 4 + data : 0). */
export const rtpHeaderSize = (h: RtpHeader): number =>
  RTP_FIXED_HEADER_SIZE + 4 * h.csrcs.length + (h.extension === undefined ? 0 : 4 + h.extension.data.length)

const checkEncodable = (h: RtpHeader): void => {
  // Structural mistakes are programmer errors: fail loudly rather than emit a packet that lies.
  if (h.csrcs.length > RTP_MAX_CSRCS) {
    throw new RangeError(`RTP header has ${h.csrcs.length} CSRCs; at most ${RTP_MAX_CSRCS} fit the CC field`)
  }
  if (h.extension !== undefined) {
    const len = h.extension.data.length
    if (len % 4 !== 0 || len / 4 > 0xffff) {
      throw new RangeError(`RTP header extension data is ${len} bytes; it must be a multiple of 4 and at most 262140`)
    }
  }
}

/** Writes the header for `h` at `offset` (the P bit is set when `padding` is true); returns bytes written. */
const writeFullHeader = (target: Buffer, offset: number, h: RtpHeader, padding: boolean): number => {
  writeRtpHeader(target, offset, h.marker, h.payloadType, h.sequenceNumber, h.timestamp, h.ssrc)
  target[offset] = 0x80 | (padding ? 0x20 : 0) | (h.extension === undefined ? 0 : 0x10) | h.csrcs.length
  let at = offset + RTP_FIXED_HEADER_SIZE
  for (const csrc of h.csrcs) {
    target.writeUInt32BE(csrc >>> 0, at)
    at += 4
  }
  if (h.extension !== undefined) {
    target.writeUInt16BE(h.extension.profile & 0xffff, at)
    target.writeUInt16BE(h.extension.data.length / 4, at + 2)
    h.extension.data.copy(target, at + 4)
    at += 4 + h.extension.data.length
  }
  return at - offset
}

/** Encodes a header (with CSRCs and extension). Throws RangeError on more than 15 CSRCs or unaligned extension data. */
export const encodeRtpHeader = (h: RtpHeader): Buffer => {
  checkEncodable(h)
  const out = Buffer.alloc(rtpHeaderSize(h))
  writeFullHeader(out, 0, h, false)
  return out
}

/**
 * Encodes header + payload + padding. Padding bytes are zero except the last, which holds
 * `paddingLength` (1..255). Throws RangeError on an invalid header or padding length.
 */
export const encodeRtpPacket = (packet: RtpPacket): Buffer => {
  const { header, payload, paddingLength } = packet
  checkEncodable(header)
  if (!Number.isInteger(paddingLength) || paddingLength < 0 || paddingLength > 255) {
    throw new RangeError(`RTP paddingLength ${paddingLength} is not an integer in 0..255`)
  }
  const headerSize = rtpHeaderSize(header)
  const out = Buffer.alloc(headerSize + payload.length + paddingLength)
  writeFullHeader(out, 0, header, paddingLength > 0)
  payload.copy(out, headerSize)
  if (paddingLength > 0) out[out.length - 1] = paddingLength
  return out
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

const fail = (reason: RtpDecodeErrorReason, message: string) =>
  Either.left(new RtpDecodeError({ reason, message }))

/**
 * Where the parts of one RTP packet lie, filled in by `locateRtp`. One is reused across packets,
 * so a receiver's per-packet path allocates nothing. Offsets count from the start of the bytes
 * given; on a failure the fields read so far say what was wrong.
 */
export interface RtpLayout {
  payloadStart: number
  payloadEnd: number
  csrcCount: number
  /** Where the extension header starts (-1: none) and its data length in bytes. */
  extensionStart: number
  extensionDataLength: number
  paddingLength: number
}

export const makeRtpLayout = (): RtpLayout => ({
  payloadStart: 0,
  payloadEnd: 0,
  csrcCount: 0,
  extensionStart: -1,
  extensionDataLength: 0,
  paddingLength: 0
})

/**
 * Checks the packet in bytes [offset, offset + length) and fills `layout`: undefined when it is
 * RTP, else what is wrong with it. The one set of rules decodeRtpPacket also applies.
 */
export const locateRtp = (bytes: Uint8Array, offset: number, length: number, layout: RtpLayout): RtpDecodeErrorReason | undefined => {
  layout.csrcCount = 0
  layout.extensionStart = -1
  layout.extensionDataLength = 0
  layout.paddingLength = 0
  if (length < RTP_FIXED_HEADER_SIZE) return "TooShort"
  const b0 = bytes[offset]!
  if (b0 >> 6 !== RTP_VERSION) return "BadVersion"
  const end = offset + length
  const csrcCount = b0 & 0x0f
  layout.csrcCount = csrcCount
  let at = offset + RTP_FIXED_HEADER_SIZE + 4 * csrcCount
  if (at > end) return "TruncatedCsrcList"
  if ((b0 & 0x10) !== 0) {
    layout.extensionStart = at
    if (end < at + 4) return "TruncatedExtension"
    const dataLength = 4 * ((bytes[at + 2]! << 8) | bytes[at + 3]!)
    layout.extensionDataLength = dataLength
    at += 4 + dataLength
    if (at > end) return "TruncatedExtension"
  }
  layout.payloadStart = at
  layout.payloadEnd = end
  if ((b0 & 0x20) !== 0) {
    const paddingLength = bytes[end - 1]!
    layout.paddingLength = paddingLength
    if (paddingLength === 0 || paddingLength > end - at) return "BadPadding"
    layout.payloadEnd = end - paddingLength
  }
  return undefined
}

/** Header fields read in place (the hot path's alternative to decoding a header object). */
export const rtpSequenceNumberAt = (bytes: Uint8Array, offset: number): number => (bytes[offset + 2]! << 8) | bytes[offset + 3]!
export const rtpTimestampAt = (bytes: Uint8Array, offset: number): number =>
  ((bytes[offset + 4]! << 24) | (bytes[offset + 5]! << 16) | (bytes[offset + 6]! << 8) | bytes[offset + 7]!) >>> 0
export const rtpSsrcAt = (bytes: Uint8Array, offset: number): number =>
  ((bytes[offset + 8]! << 24) | (bytes[offset + 9]! << 16) | (bytes[offset + 10]! << 8) | bytes[offset + 11]!) >>> 0
export const rtpMarkerAt = (bytes: Uint8Array, offset: number): boolean => (bytes[offset + 1]! & 0x80) !== 0

const decodeErrorMessage = (reason: RtpDecodeErrorReason, buf: Buffer, layout: RtpLayout): string => {
  const csrcEnd = RTP_FIXED_HEADER_SIZE + 4 * layout.csrcCount
  switch (reason) {
    case "TooShort":
      return `RTP packet is ${buf.length} bytes; the fixed header needs ${RTP_FIXED_HEADER_SIZE}`
    case "BadVersion":
      return `RTP version is ${buf[0]! >> 6} at byte 0; expected ${RTP_VERSION}`
    case "TruncatedCsrcList":
      return `RTP header claims ${layout.csrcCount} CSRCs (ending at byte ${csrcEnd}) but the packet is ${buf.length} bytes`
    case "TruncatedExtension":
      return buf.length < layout.extensionStart + 4
        ? `RTP extension header at byte ${layout.extensionStart} needs 4 bytes; the packet is ${buf.length}`
        : `RTP extension claims ${layout.extensionDataLength} data bytes from byte ${layout.extensionStart + 4} but the packet is ${buf.length} bytes`
    case "BadPadding":
      return layout.paddingLength === 0
        ? `RTP P bit is set but the padding count (last byte, ${buf.length - 1}) is 0`
        : `RTP padding count ${layout.paddingLength} exceeds the ${buf.length - layout.payloadStart} bytes after the header (header ends at byte ${layout.payloadStart})`
  }
}

/** Decodes one RTP packet. The payload and extension data are views into `bytes`, not copies. */
export const decodeRtpPacket = (bytes: Uint8Array): Either.Either<RtpPacket, RtpDecodeError> => {
  const buf = asBuffer(bytes)
  const layout = makeRtpLayout()
  const reason = locateRtp(buf, 0, buf.length, layout)
  if (reason !== undefined) return fail(reason, decodeErrorMessage(reason, buf, layout))
  const csrcs: Array<number> = []
  for (let i = 0, at = RTP_FIXED_HEADER_SIZE; i < layout.csrcCount; i++, at += 4) csrcs.push(buf.readUInt32BE(at))
  const extension: RtpHeaderExtension | undefined = layout.extensionStart < 0 ? undefined : {
    profile: buf.readUInt16BE(layout.extensionStart),
    data: buf.subarray(layout.extensionStart + 4, layout.extensionStart + 4 + layout.extensionDataLength)
  }
  const header: RtpHeader = {
    marker: rtpMarkerAt(buf, 0),
    payloadType: buf[1]! & 0x7f,
    sequenceNumber: rtpSequenceNumberAt(buf, 0),
    timestamp: rtpTimestampAt(buf, 0),
    ssrc: rtpSsrcAt(buf, 0),
    csrcs,
    ...(extension === undefined ? {} : { extension })
  }
  return Either.right({ header, payload: buf.subarray(layout.payloadStart, layout.payloadEnd), paddingLength: layout.paddingLength })
}

// ---------------------------------------------------------------------------
// Sequence numbers and timestamps (modular arithmetic)
// ---------------------------------------------------------------------------

/** Signed distance `a - b` between 16-bit sequence numbers, in -32768..32767 (positive: `a` is newer). */
export const seqDelta = (a: number, b: number): number => (((a - b) & 0xffff) << 16) >> 16

/** True when `a` comes after `b` in 16-bit sequence space. */
export const isNewerSeq = (a: number, b: number): boolean => seqDelta(a, b) > 0

/** The sequence number after `seq`, wrapping at 2^16. */
export const nextSeq = (seq: number): number => (seq + 1) & 0xffff

/** Signed distance `a - b` between 32-bit RTP timestamps, in -2^31..2^31-1. */
export const timestampDelta = (a: number, b: number): number => (a - b) | 0
