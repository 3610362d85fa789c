/**
 * RFC 2435 packetizer: splits one frame into RTP payloads (everything after
 * the 12-byte RTP header). The result depends only on the frame and the MTU,
 * so it is computed once per (file, MTU) and shared by every session.
 */
import { Data, Either } from "effect"
import { MAX_FRAGMENT_OFFSET, type Rfc2435Header, rfc2435HeaderSize, writeRfc2435Header } from "./rfc2435Header.js"
import type { Rfc2435Frame } from "./rfc2435Frame.js"

export const RTP_HEADER_SIZE = 12
export const DEFAULT_MTU = 1400
/** Q = 255: quantisation tables travel in-band with every frame. */
export const IN_BAND_Q = 255

export class PacketizeError extends Data.TaggedError("PacketizeError")<{
  readonly reason: "MtuTooSmall" | "FrameTooLarge"
  readonly message: string
}> {}

export interface PacketizeOptions {
  /** Size of a whole RTP packet (12-byte RTP header included). */
  readonly mtu?: number
}

export const packetizeRfc2435 = (
  frame: Rfc2435Frame,
  options: PacketizeOptions = {}
): Either.Either<ReadonlyArray<Buffer>, PacketizeError> => {
  const mtu = options.mtu ?? DEFAULT_MTU
  const data = frame.scanData
  if (data.length > MAX_FRAGMENT_OFFSET + 1) {
    return Either.left(new PacketizeError({ reason: "FrameTooLarge", message: `scan data of ${data.length} bytes does not fit 24-bit fragment offsets` }))
  }
  const restart = frame.restartInterval > 0
    ? { interval: frame.restartInterval, first: true, last: true, count: 0x3fff }
    : undefined
  const headerFor = (fragmentOffset: number): Omit<Rfc2435Header, "dataOffset"> => ({
    typeSpecific: 0,
    fragmentOffset,
    type: frame.type,
    q: IN_BAND_Q,
    width: frame.width,
    height: frame.height,
    ...(restart ? { restart } : {}),
    ...(fragmentOffset === 0
      ? { quant: { precision: 0, tables: Buffer.concat([frame.lumaTable, frame.chromaTable]) } }
      : {})
  })
  const firstRoom = mtu - RTP_HEADER_SIZE - rfc2435HeaderSize(headerFor(0))
  if (firstRoom < 1) {
    return Either.left(new PacketizeError({ reason: "MtuTooSmall", message: `an MTU of ${mtu} bytes leaves no room for scan data after the RTP and RFC 2435 headers` }))
  }
  const packets: Array<Buffer> = []
  let offset = 0
  do {
    const header = headerFor(offset)
    const headerSize = rfc2435HeaderSize(header)
    const chunk = Math.min(mtu - RTP_HEADER_SIZE - headerSize, data.length - offset)
    const packet = Buffer.allocUnsafe(headerSize + chunk)
    writeRfc2435Header(packet, header)
    data.copy(packet, headerSize, offset, offset + chunk)
    packets.push(packet)
    offset += chunk
  } while (offset < data.length)
  return Either.right(packets)
}
