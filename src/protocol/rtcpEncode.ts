/**
 * RTCP encoder (RFC 3550 §6.4–6.6). Each packet's length field is its size in 32-bit words minus
 * one; SDES chunks and the BYE reason are null-padded to a word boundary, so no packet needs the
 * P bit. Numeric fields are taken modulo their width, except cumulativeLost, which saturates as
 * RFC 3550 A.3 asks, and texts are cut to 255 bytes. Counts over 31 (a 5-bit field) are programmer
 * errors and throw RangeError.
 */
import {
  RTCP_VERSION,
  RtcpPacketType,
  type Goodbye,
  type ReceiverReport,
  type ReportBlock,
  type RtcpPacket,
  type SenderReport,
  type SourceDescription,
  type UnknownRtcpPacket
} from "./rtcpTypes.js"

const MAX_COUNT = 31
const MAX_TEXT_BYTES = 255
const REPORT_BLOCK_SIZE = 24

const pad4 = (n: number): number => (n + 3) & ~3

const checkCount = (what: string, n: number): void => {
  if (n > MAX_COUNT) throw new RangeError(`RTCP ${what} count ${n} exceeds ${MAX_COUNT} (5-bit field)`)
}

/**
 * UTF-8 bytes of an SDES item or BYE reason, cut to the 255 octets the length byte allows. The cut
 * backs off to a character boundary. Truncating rather than throwing: these strings come from
 * runtime data (host names, user text), and a long CNAME must not bring down the RTCP sender.
 */
const textBytes = (text: string): Buffer => {
  const bytes = Buffer.from(text, "utf8")
  if (bytes.length <= MAX_TEXT_BYTES) return bytes
  let end = MAX_TEXT_BYTES
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end-- // 10xxxxxx: inside a multi-byte character
  return bytes.subarray(0, end)
}

/** Allocates a packet of `size` bytes (a multiple of 4) and writes its common header. */
const allocPacket = (count: number, packetType: number, size: number): Buffer => {
  const words = size / 4 - 1
  if (words > 0xffff) throw new RangeError(`RTCP packet of ${size} bytes exceeds the 16-bit length field`)
  const out = Buffer.alloc(size)
  out[0] = (RTCP_VERSION << 6) | (count & 0x1f)
  out[1] = packetType & 0xff
  out.writeUInt16BE(words, 2)
  return out
}

const clampCumulativeLost = (lost: number): number => Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(lost)))

const writeReportBlock = (out: Buffer, at: number, r: ReportBlock): void => {
  out.writeUInt32BE(r.ssrc >>> 0, at)
  // 8-bit fraction and 24-bit two's-complement count share one word.
  const word = ((r.fractionLost & 0xff) << 24) | (clampCumulativeLost(r.cumulativeLost) & 0xffffff)
  out.writeUInt32BE(word >>> 0, at + 4)
  out.writeUInt32BE(r.highestSeq >>> 0, at + 8)
  out.writeUInt32BE(r.jitter >>> 0, at + 12)
  out.writeUInt32BE(r.lastSr >>> 0, at + 16)
  out.writeUInt32BE(r.delaySinceLastSr >>> 0, at + 20)
}

const writeReportBlocks = (out: Buffer, at: number, reports: ReadonlyArray<ReportBlock>): void => {
  reports.forEach((r, i) => writeReportBlock(out, at + i * REPORT_BLOCK_SIZE, r))
}

const encodeSenderReport = (p: SenderReport): Buffer => {
  checkCount("report block", p.reports.length)
  const out = allocPacket(p.reports.length, RtcpPacketType.SenderReport, 28 + REPORT_BLOCK_SIZE * p.reports.length)
  out.writeUInt32BE(p.ssrc >>> 0, 4)
  out.writeUInt32BE(p.ntpTimestamp.msw >>> 0, 8)
  out.writeUInt32BE(p.ntpTimestamp.lsw >>> 0, 12)
  out.writeUInt32BE(p.rtpTimestamp >>> 0, 16)
  out.writeUInt32BE(p.packetCount >>> 0, 20)
  out.writeUInt32BE(p.octetCount >>> 0, 24)
  writeReportBlocks(out, 28, p.reports)
  return out
}

const encodeReceiverReport = (p: ReceiverReport): Buffer => {
  checkCount("report block", p.reports.length)
  const out = allocPacket(p.reports.length, RtcpPacketType.ReceiverReport, 8 + REPORT_BLOCK_SIZE * p.reports.length)
  out.writeUInt32BE(p.ssrc >>> 0, 4)
  writeReportBlocks(out, 8, p.reports)
  return out
}

const encodeSourceDescription = (p: SourceDescription): Buffer => {
  checkCount("SDES chunk", p.chunks.length)
  const chunks = p.chunks.map((chunk) => ({
    ssrc: chunk.ssrc,
    items: chunk.items.map((item) => ({ type: item.type, value: textBytes(item.value) }))
  }))
  // Each chunk: SSRC, items (type, length, text), then 1–4 null octets up to a word boundary.
  const chunkSizes = chunks.map((c) => pad4(4 + c.items.reduce((n, item) => n + 2 + item.value.length, 0) + 1))
  const out = allocPacket(chunks.length, RtcpPacketType.SourceDescription, 4 + chunkSizes.reduce((a, b) => a + b, 0))
  let at = 4
  chunks.forEach((chunk, i) => {
    out.writeUInt32BE(chunk.ssrc >>> 0, at)
    let itemAt = at + 4
    for (const item of chunk.items) {
      out[itemAt] = item.type & 0xff
      out[itemAt + 1] = item.value.length
      item.value.copy(out, itemAt + 2)
      itemAt += 2 + item.value.length
    }
    at += chunkSizes[i]! // the null terminator and padding are already zero
  })
  return out
}

const encodeGoodbye = (p: Goodbye): Buffer => {
  checkCount("BYE source", p.ssrcs.length)
  const reason = p.reason === undefined ? undefined : textBytes(p.reason)
  const size = 4 + 4 * p.ssrcs.length + (reason === undefined ? 0 : pad4(1 + reason.length))
  const out = allocPacket(p.ssrcs.length, RtcpPacketType.Goodbye, size)
  p.ssrcs.forEach((ssrc, i) => out.writeUInt32BE(ssrc >>> 0, 4 + 4 * i))
  if (reason !== undefined) {
    const at = 4 + 4 * p.ssrcs.length
    out[at] = reason.length
    reason.copy(out, at + 1)
  }
  return out
}

const encodeUnknown = (p: UnknownRtcpPacket): Buffer => {
  checkCount("Unknown packet", p.count)
  // A body that is not word-aligned (only possible after stripping padding) is zero-filled to align.
  const out = allocPacket(p.count, p.packetType, 4 + pad4(p.body.length))
  p.body.copy(out, 4)
  return out
}

/** Encodes one RTCP packet (never padded, P bit clear). */
export const encodeRtcpPacket = (p: RtcpPacket): Buffer => {
  switch (p._tag) {
    case "SenderReport":
      return encodeSenderReport(p)
    case "ReceiverReport":
      return encodeReceiverReport(p)
    case "SourceDescription":
      return encodeSourceDescription(p)
    case "Goodbye":
      return encodeGoodbye(p)
    case "Unknown":
      return encodeUnknown(p)
  }
}

/** Encodes packets back to back as one compound datagram (RFC 3550 §6.1). */
export const encodeRtcpCompound = (packets: ReadonlyArray<RtcpPacket>): Buffer =>
  Buffer.concat(packets.map(encodeRtcpPacket))
