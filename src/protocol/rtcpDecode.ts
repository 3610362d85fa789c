/**
 * RTCP compound decoder (RFC 3550 §6.1, §6.4–6.6, validity checks of A.2). Never throws.
 * Checked: version 2 on every packet, each length field inside the datagram and the lengths
 * summing to it exactly, the P bit only on the last packet with a count in 1..body size, report
 * and chunk counts fitting their packet. Not enforced: "first packet is SR or RR" (RFC 5506
 * reduced-size RTCP and lone BYEs are legal in practice). Bytes after the modelled fields (SR/RR
 * profile extensions, slack after SDES chunks or the BYE reason) are ignored.
 */
import { Either } from "effect"
import { asBuffer } from "./bytes.js"
import {
  RTCP_VERSION,
  RtcpDecodeError,
  RtcpPacketType,
  type RtcpDecodeErrorReason,
  type RtcpPacket,
  type ReportBlock,
  type SdesChunk,
  type SdesItem
} from "./rtcpTypes.js"

const REPORT_BLOCK_SIZE = 24

type Decoded<A> = Either.Either<A, RtcpDecodeError>

const fail = (reason: RtcpDecodeErrorReason, message: string): Decoded<never> =>
  Either.left(new RtcpDecodeError({ reason, message }))

const readReportBlock = (buf: Buffer, at: number): ReportBlock => {
  const lostWord = buf.readUInt32BE(at + 4)
  // Sign-extend the 24-bit cumulative count.
  const cumulativeLost = ((lostWord & 0xffffff) << 8) >> 8
  return {
    ssrc: buf.readUInt32BE(at),
    fractionLost: lostWord >>> 24,
    cumulativeLost,
    highestSeq: buf.readUInt32BE(at + 8),
    jitter: buf.readUInt32BE(at + 12),
    lastSr: buf.readUInt32BE(at + 16),
    delaySinceLastSr: buf.readUInt32BE(at + 20)
  }
}

/** Reads `count` report blocks from `body` starting at `at`, or fails if they do not fit. */
const readReportBlocks = (
  body: Buffer,
  at: number,
  count: number,
  offset: number,
  kind: string
): Decoded<ReadonlyArray<ReportBlock>> => {
  const needed = at + REPORT_BLOCK_SIZE * count
  if (body.length < needed) {
    return fail(
      "BadReport",
      `RTCP ${kind} at byte ${offset} claims ${count} report blocks (${needed} body bytes) but its body is ${body.length} bytes`
    )
  }
  const reports: Array<ReportBlock> = []
  for (let i = 0; i < count; i++) reports.push(readReportBlock(body, at + i * REPORT_BLOCK_SIZE))
  return Either.right(reports)
}

const decodeSenderReport = (body: Buffer, count: number, offset: number): Decoded<RtcpPacket> => {
  if (body.length < 24) {
    return fail("BadReport", `RTCP SR at byte ${offset} has a ${body.length}-byte body; SSRC + sender info need 24`)
  }
  return Either.map(readReportBlocks(body, 24, count, offset, "SR"), (reports) => ({
    _tag: "SenderReport" as const,
    ssrc: body.readUInt32BE(0),
    ntpTimestamp: { msw: body.readUInt32BE(4), lsw: body.readUInt32BE(8) },
    rtpTimestamp: body.readUInt32BE(12),
    packetCount: body.readUInt32BE(16),
    octetCount: body.readUInt32BE(20),
    reports
  }))
}

const decodeReceiverReport = (body: Buffer, count: number, offset: number): Decoded<RtcpPacket> => {
  if (body.length < 4) {
    return fail("BadReport", `RTCP RR at byte ${offset} has a ${body.length}-byte body; the SSRC needs 4`)
  }
  return Either.map(readReportBlocks(body, 4, count, offset, "RR"), (reports) => ({
    _tag: "ReceiverReport" as const,
    ssrc: body.readUInt32BE(0),
    reports
  }))
}

const decodeSourceDescription = (body: Buffer, count: number, offset: number): Decoded<RtcpPacket> => {
  const bad = (message: string) => fail("BadSourceDescription", `RTCP SDES at byte ${offset}: ${message}`)
  const chunks: Array<SdesChunk> = []
  let at = 0
  for (let c = 0; c < count; c++) {
    // Chunks start on word boundaries; `at` is always a multiple of 4 here.
    if (body.length < at + 4) return bad(`chunk ${c} of ${count} needs an SSRC at body byte ${at}; the body is ${body.length} bytes`)
    const ssrc = body.readUInt32BE(at)
    at += 4
    const items: Array<SdesItem> = []
    for (;;) {
      if (at >= body.length) return bad(`chunk ${c} has no null terminator before the end of the body (${body.length} bytes)`)
      const type = body[at]!
      if (type === 0) {
        at = (at + 4) & ~3 // skip the terminator and the null padding to the next word
        break
      }
      if (at + 2 > body.length) return bad(`item of type ${type} at body byte ${at} has no length octet`)
      const length = body[at + 1]!
      if (at + 2 + length > body.length) {
        return bad(`item of type ${type} at body byte ${at} claims ${length} bytes; only ${body.length - at - 2} remain`)
      }
      items.push({ type, value: body.toString("utf8", at + 2, at + 2 + length) })
      at += 2 + length
    }
    chunks.push({ ssrc, items })
  }
  return Either.right({ _tag: "SourceDescription", chunks })
}

const decodeGoodbye = (body: Buffer, count: number, offset: number): Decoded<RtcpPacket> => {
  const listEnd = 4 * count
  if (body.length < listEnd) {
    return fail("BadGoodbye", `RTCP BYE at byte ${offset} claims ${count} SSRCs (${listEnd} bytes) but its body is ${body.length} bytes`)
  }
  const ssrcs: Array<number> = []
  for (let i = 0; i < count; i++) ssrcs.push(body.readUInt32BE(4 * i))
  if (body.length === listEnd) return Either.right({ _tag: "Goodbye", ssrcs })
  const length = body[listEnd]!
  if (listEnd + 1 + length > body.length) {
    return fail(
      "BadGoodbye",
      `RTCP BYE at byte ${offset} has a reason of ${length} bytes but only ${body.length - listEnd - 1} remain`
    )
  }
  const reason = body.toString("utf8", listEnd + 1, listEnd + 1 + length)
  return Either.right({ _tag: "Goodbye", ssrcs, reason })
}

const decodeBody = (packetType: number, count: number, body: Buffer, offset: number): Decoded<RtcpPacket> => {
  switch (packetType) {
    case RtcpPacketType.SenderReport:
      return decodeSenderReport(body, count, offset)
    case RtcpPacketType.ReceiverReport:
      return decodeReceiverReport(body, count, offset)
    case RtcpPacketType.SourceDescription:
      return decodeSourceDescription(body, count, offset)
    case RtcpPacketType.Goodbye:
      return decodeGoodbye(body, count, offset)
    default:
      return Either.right({ _tag: "Unknown", packetType, count, body })
  }
}

/**
 * Decodes a compound RTCP datagram into its packets. Byte fields (Unknown bodies) are views into
 * `bytes`, not copies.
 */
export const decodeRtcpCompound = (bytes: Uint8Array): Decoded<ReadonlyArray<RtcpPacket>> => {
  const buf = asBuffer(bytes)
  if (buf.length === 0) return fail("TooShort", "RTCP datagram is empty")
  const packets: Array<RtcpPacket> = []
  let offset = 0
  while (offset < buf.length) {
    if (buf.length - offset < 4) {
      return fail("TooShort", `RTCP packet at byte ${offset} has ${buf.length - offset} bytes; the header needs 4`)
    }
    const b0 = buf[offset]!
    const version = b0 >> 6
    if (version !== RTCP_VERSION) {
      return fail("BadVersion", `RTCP version is ${version} at byte ${offset}; expected ${RTCP_VERSION}`)
    }
    const count = b0 & 0x1f
    const packetType = buf[offset + 1]!
    const size = 4 * (buf.readUInt16BE(offset + 2) + 1)
    const end = offset + size
    if (end > buf.length) {
      return fail(
        "BadLength",
        `RTCP packet at byte ${offset} claims ${size} bytes but only ${buf.length - offset} remain in the datagram`
      )
    }
    let bodyEnd = end
    if ((b0 & 0x20) !== 0) {
      if (end !== buf.length) {
        return fail("BadPadding", `RTCP packet at byte ${offset} has the P bit set but is not the last in the compound`)
      }
      const padding = buf[end - 1]!
      if (padding === 0 || padding > size - 4) {
        return fail(
          "BadPadding",
          `RTCP packet at byte ${offset} has padding count ${padding}; it must be 1..${size - 4} (its body size)`
        )
      }
      bodyEnd = end - padding
    }
    const decoded = decodeBody(packetType, count, buf.subarray(offset + 4, bodyEnd), offset)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    packets.push(decoded.right)
    offset = end
  }
  return Either.right(packets)
}
