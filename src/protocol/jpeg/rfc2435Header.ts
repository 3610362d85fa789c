/**
 * The RFC 2435 payload headers: the 8-byte main JPEG header, the restart
 * marker header (types 64-127) and the quantisation table header (Q >= 128,
 * first packet of a frame only).
 */
import { Data, Either } from "effect"

export const MAIN_HEADER_SIZE = 8
export const RESTART_HEADER_SIZE = 4
export const QUANT_HEADER_SIZE = 4
/** Fragment offsets are 24-bit. */
export const MAX_FRAGMENT_OFFSET = 0xffffff

export interface RestartHeader {
  readonly interval: number
  readonly first: boolean
  readonly last: boolean
  /** 14-bit restart count; 0x3fff with first and last set means "whole frame". */
  readonly count: number
}

export interface QuantHeader {
  readonly precision: number
  /** The table bytes (a view into the packet), luma then chroma for types 0/1. */
  readonly tables: Buffer
}

export interface Rfc2435Header {
  readonly typeSpecific: number
  readonly fragmentOffset: number
  readonly type: number
  readonly q: number
  readonly width: number
  readonly height: number
  readonly restart?: RestartHeader
  readonly quant?: QuantHeader
  /** Where the scan data starts in the payload. */
  readonly dataOffset: number
}

export class Rfc2435HeaderError extends Data.TaggedError("Rfc2435HeaderError")<{
  readonly reason: "Short" | "BadQuantHeader"
  readonly message: string
}> {}

export const hasRestartHeader = (type: number): boolean => type >= 64 && type <= 127

export const decodeRfc2435Header = (payload: Uint8Array): Either.Either<Rfc2435Header, Rfc2435HeaderError> => {
  if (payload.length < MAIN_HEADER_SIZE) {
    return Either.left(new Rfc2435HeaderError({ reason: "Short", message: `RFC 2435 payload of ${payload.length} bytes is shorter than the 8-byte main header` }))
  }
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  const fragmentOffset = buf.readUIntBE(1, 3)
  const type = buf[4]!
  const q = buf[5]!
  let at = MAIN_HEADER_SIZE
  let restart: RestartHeader | undefined
  if (hasRestartHeader(type)) {
    if (buf.length < at + RESTART_HEADER_SIZE) {
      return Either.left(new Rfc2435HeaderError({ reason: "Short", message: `type ${type} payload too short for its restart marker header` }))
    }
    const flags = buf.readUInt16BE(at + 2)
    restart = { interval: buf.readUInt16BE(at), first: (flags & 0x8000) !== 0, last: (flags & 0x4000) !== 0, count: flags & 0x3fff }
    at += RESTART_HEADER_SIZE
  }
  let quant: QuantHeader | undefined
  if (q >= 128 && fragmentOffset === 0) {
    if (buf.length < at + QUANT_HEADER_SIZE) {
      return Either.left(new Rfc2435HeaderError({ reason: "Short", message: "first packet too short for its quantisation table header" }))
    }
    const length = buf.readUInt16BE(at + 2)
    if (buf.length < at + QUANT_HEADER_SIZE + length) {
      return Either.left(new Rfc2435HeaderError({ reason: "BadQuantHeader", message: `quantisation table header claims ${length} bytes, packet has ${buf.length - at - QUANT_HEADER_SIZE}` }))
    }
    quant = { precision: buf[at + 1]!, tables: buf.subarray(at + QUANT_HEADER_SIZE, at + QUANT_HEADER_SIZE + length) }
    at += QUANT_HEADER_SIZE + length
  }
  return Either.right({
    typeSpecific: buf[0]!,
    fragmentOffset,
    type,
    q,
    width: buf[6]! * 8,
    height: buf[7]! * 8,
    ...(restart ? { restart } : {}),
    ...(quant ? { quant } : {}),
    dataOffset: at
  })
}

/** Writes the headers of one packet into `target` at 0; returns the number of bytes written. */
export const writeRfc2435Header = (target: Buffer, header: Omit<Rfc2435Header, "dataOffset">): number => {
  target[0] = header.typeSpecific
  target.writeUIntBE(header.fragmentOffset, 1, 3)
  target[4] = header.type
  target[5] = header.q
  target[6] = header.width / 8
  target[7] = header.height / 8
  let at = MAIN_HEADER_SIZE
  if (header.restart) {
    target.writeUInt16BE(header.restart.interval, at)
    const flags = (header.restart.first ? 0x8000 : 0) | (header.restart.last ? 0x4000 : 0) | (header.restart.count & 0x3fff)
    target.writeUInt16BE(flags, at + 2)
    at += RESTART_HEADER_SIZE
  }
  if (header.quant) {
    target[at] = 0
    target[at + 1] = header.quant.precision
    target.writeUInt16BE(header.quant.tables.length, at + 2)
    header.quant.tables.copy(target, at + QUANT_HEADER_SIZE)
    at += QUANT_HEADER_SIZE + header.quant.tables.length
  }
  return at
}

export const rfc2435HeaderSize = (header: Omit<Rfc2435Header, "dataOffset">): number =>
  MAIN_HEADER_SIZE + (header.restart ? RESTART_HEADER_SIZE : 0) + (header.quant ? QUANT_HEADER_SIZE + header.quant.tables.length : 0)
