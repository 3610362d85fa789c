/**
 * The per-frame hot path: write each packet's 12-byte RTP header in front of
 * the payloads shared by every session, and hand them to the session's sink
 * (UDP datagrams or `$`-framed on the RTSP connection). Plain functions, no
 * Effect per packet.
 */
import type { Socket } from "node:net"
import type { UdpFrameSender } from "../net/udpFrameSender.js"
import type { UdpSocket } from "../net/UdpSocket.js"
import { encodeRtcpCompound, ntpFromUnixMillis, type NtpTimestamp, SdesItemType } from "../protocol/rtcp.js"
import { RTP_FIXED_HEADER_SIZE as RTP_HEADER, writeRtpHeader } from "../protocol/rtp.js"
import { JPEG_PAYLOAD_TYPE } from "../protocol/rtpJpeg.js"
import { INTERLEAVED_HEADER_SIZE, serializeInterleaved, writeInterleavedHeader } from "../protocol/rtsp/serializer.js"
import { type FileSession, frameTimestamp, type SessionBase } from "./session.js"

export interface PacketSink {
  /** Where the next frame's headers are written before sendFrame: reused memory where the sink allows. */
  readonly headerBuffer: (bytes: number) => Buffer
  /** Sends one frame's packets (headers[12*i..] precedes payloads[i]); false when the frame was dropped. */
  readonly sendFrame: (headers: Buffer, payloads: ReadonlyArray<Buffer>) => boolean
  readonly sendRtcp: (packet: Buffer) => void
}

export const udpSink = (
  rtp: UdpFrameSender,
  rtcp: UdpSocket,
  address: string,
  rtpPort: number,
  rtcpPort: number | undefined
): PacketSink => ({
  headerBuffer: rtp.headerBuffer,
  sendFrame: (headers, payloads) => {
    rtp.sendFrame(headers, RTP_HEADER, payloads, rtpPort, address)
    return true
  },
  sendRtcp: (packet) => {
    if (rtcpPort !== undefined) rtcp.send([packet], rtcpPort, address)
  }
})

/**
 * Interleaved RTP on the RTSP connection, one write per frame: the `$`
 * prefixes, headers and payloads are laid out in one buffer, since a
 * queued write keeps its buffer. The socket's own write buffer is the
 * bounded queue: when more than `maxQueuedBytes` wait to be written, the
 * whole frame is dropped, so a slow reader loses frames, never parts of one,
 * and never holds up other sessions.
 */
export const interleavedSink = (socket: Socket, rtpChannel: number, rtcpChannel: number, maxQueuedBytes: number): PacketSink => {
  const writable = (): boolean => !socket.destroyed && socket.writable
  // The headers are copied into the frame's buffer at once, so one scratch buffer serves every frame.
  let scratch = Buffer.allocUnsafeSlow(RTP_HEADER * 64)
  return {
    headerBuffer: (bytes) => {
      if (scratch.length < bytes) scratch = Buffer.allocUnsafeSlow(bytes)
      return scratch.subarray(0, bytes)
    },
    sendFrame: (headers, payloads) => {
      if (!writable() || socket.writableLength > maxQueuedBytes) return false
      let total = 0
      for (const payload of payloads) total += INTERLEAVED_HEADER_SIZE + RTP_HEADER + payload.length
      const frame = Buffer.allocUnsafe(total)
      let at = 0
      for (let i = 0; i < payloads.length; i++) {
        const payload = payloads[i]!
        writeInterleavedHeader(frame, at, rtpChannel, RTP_HEADER + payload.length)
        at += INTERLEAVED_HEADER_SIZE
        at += headers.copy(frame, at, i * RTP_HEADER, (i + 1) * RTP_HEADER)
        at += payload.copy(frame, at)
      }
      socket.write(frame)
      return true
    },
    sendRtcp: (packet) => {
      if (!writable()) return
      socket.write(serializeInterleaved(rtcpChannel, packet))
    }
  }
}

/** The payloads of a frame in the session's dialect: shared buffers, computed once per file. */
const payloadsOf = (session: FileSession, mediaIndex: number): ReadonlyArray<Buffer> => {
  if (session.dialect === "classic") return [session.media.file.frames[mediaIndex]!.jpeg]
  return session.media.rfc2435Packets![mediaIndex]!
}

export interface FrameSendResult {
  readonly sent: boolean
  readonly packets: number
  readonly bytes: number
}

/** Sends frame `frameIndex` (absolute; wraps over the file when looping). */
export const sendFrame = (session: FileSession, sink: PacketSink, frameIndex: number): FrameSendResult => {
  const frameCount = session.media.file.frames.length
  const payloads = payloadsOf(session, frameIndex % frameCount)
  const timestamp = frameTimestamp(session, frameIndex)
  const headers = sink.headerBuffer(RTP_HEADER * payloads.length)
  const last = payloads.length - 1
  // Classic: no marker (the lab client ignores it); standard: marker on the last packet of a frame.
  const markLast = session.dialect === "standard"
  let bytes = 0
  for (let i = 0; i <= last; i++) {
    writeRtpHeader(headers, i * RTP_HEADER, markLast && i === last, JPEG_PAYLOAD_TYPE, session.nextSeq + i, timestamp, session.ssrc)
    bytes += payloads[i]!.length
  }
  // Sequence numbers advance even for a dropped frame, so the receiver can see the loss.
  session.nextSeq += payloads.length
  const sent = sink.sendFrame(headers, payloads)
  const stats = session.stats
  if (sent) {
    stats.framesSent++
    stats.packetsSent += payloads.length
    stats.octetsSent += bytes
  } else {
    stats.framesDropped++
  }
  return { sent, packets: payloads.length, bytes }
}

const cnameOf = (session: SessionBase): string => `effect-rtsp-${session.ssrc.toString(16)}`

/** SR + SDES CNAME: the session's RTP time `rtpTimestamp` at wallclock `ntp`; with BYE appended when the stream ends. */
export const senderReportPacket = (session: SessionBase, ntpTimestamp: NtpTimestamp, rtpTimestamp: number, bye?: string): Buffer =>
  encodeRtcpCompound([
    {
      _tag: "SenderReport",
      ssrc: session.ssrc,
      ntpTimestamp,
      rtpTimestamp,
      packetCount: session.stats.packetsSent >>> 0,
      octetCount: session.stats.octetsSent >>> 0,
      reports: []
    },
    { _tag: "SourceDescription", chunks: [{ ssrc: session.ssrc, items: [{ type: SdesItemType.CNAME, value: cnameOf(session) }] }] },
    ...(bye === undefined ? [] : [{ _tag: "Goodbye" as const, ssrcs: [session.ssrc], reason: bye }])
  ])

/** A file session's SR for the frame just sent at `nowMillis`. */
export const senderReport = (session: FileSession, frameIndex: number, nowMillis: number, bye?: string): Buffer =>
  senderReportPacket(session, ntpFromUnixMillis(nowMillis), frameTimestamp(session, frameIndex), bye)
