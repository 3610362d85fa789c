/**
 * A published path: the publisher's frames, reassembled and packetized once, fanned out to
 * every playing viewer with the viewer's own SSRC, sequence numbers and timestamps. A viewer
 * that starts playing gets the next whole frame; a slow one loses whole frames at its own sink
 * and holds up nobody. Plain functions on the hot path, no Effect per frame.
 */
import { ntpFromUnixMillis, unixMillisFromNtp } from "../../protocol/rtcp.js"
import type { SenderReport } from "../../protocol/rtcpTypes.js"
import { RTP_FIXED_HEADER_SIZE as RTP_HEADER, timestampDelta, writeRtpHeader } from "../../protocol/rtp.js"
import { JPEG_CLOCK_RATE, JPEG_PAYLOAD_TYPE } from "../../protocol/rtpJpeg.js"
import type { SessionEntry } from "../context.js"
import type { PublishedPathMetrics } from "../Metrics.js"
import { type PacketSink, senderReportPacket } from "../rtpSender.js"
import type { PublisherSession, ViewerSession } from "../session.js"
import type { FrameIngest, IngestedFrame, IngestEvent, RejectedFrame, RejectReason } from "./frameIngest.js"

export type ChannelState = "announced" | "recording"

export interface ChannelStats {
  packetsIn: number
  bytesIn: number
  framesIn: number
  /** Frames sent to viewers, one per viewer per frame. */
  framesOut: number
  /** Frames a viewer's sink could not take (a slow viewer). */
  framesDropped: number
  readonly rejected: Map<RejectReason, number>
}

export interface PublishedChannel {
  readonly path: string
  /** The connection that announced it (only it may set up and record); undefined for a path fed from code. */
  readonly connectionId: number | undefined
  /** The publisher's payload type for JPEG (26, or the dynamic one its SDP mapped). */
  readonly payloadType: number
  state: ChannelState
  publisher: SessionEntry<PublisherSession> | undefined
  /** Every viewer set up on the path; those playing get frames. */
  readonly viewers: Set<SessionEntry<ViewerSession>>
  /** The path's multicast group stream, while the group exists: one more viewer, sent to while it plays. */
  multicast: { readonly session: ViewerSession; readonly sink: PacketSink } | undefined
  ingest: FrameIngest | undefined
  readonly stats: ChannelStats
  /** Clock millis of the last RTP packet and of the last whole frame from the publisher. */
  lastPacketAt: number
  lastFrameAt: number
  /** The last whole frame: its timestamp, size and when it arrived. */
  last: { readonly timestamp: number; readonly width: number; readonly height: number; readonly arrivalMs: number } | undefined
  /** The largest frame so far, packet bytes and headers: what a new TCP viewer's queue is sized by. */
  largestFrameBytes: number
  /** Frame rate from the stream's timestamps (a running estimate), undefined before two frames. */
  fps: number | undefined
  /** The publisher's last SR: its RTP time on its wallclock, which viewers' SRs carry on. */
  senderReport: { readonly rtpTimestamp: number; readonly unixMillis: number } | undefined
  /** The last problem, for the end-of-publisher line. */
  lastRejection: string | undefined
}

export const newChannel = (path: string, connectionId: number | undefined, payloadType: number, now: number): PublishedChannel => ({
  path,
  connectionId,
  payloadType,
  state: "announced",
  publisher: undefined,
  viewers: new Set(),
  multicast: undefined,
  ingest: undefined,
  stats: { packetsIn: 0, bytesIn: 0, framesIn: 0, framesOut: 0, framesDropped: 0, rejected: new Map() },
  lastPacketAt: now,
  lastFrameAt: now,
  last: undefined,
  largestFrameBytes: 0,
  fps: undefined,
  senderReport: undefined,
  lastRejection: undefined
})

/** RTCP SRs go to each viewer at its first frame and then this often. */
export const VIEWER_SR_INTERVAL_MS = 5000

/** Where on the publisher's wallclock a frame was sampled: by its SR when there is one, else its arrival. */
const wallclockOf = (channel: PublishedChannel, timestamp: number, arrivalMs: number): number => {
  const sr = channel.senderReport
  return sr === undefined ? arrivalMs : sr.unixMillis + (timestampDelta(timestamp, sr.rtpTimestamp) * 1000) / JPEG_CLOCK_RATE
}

/** The viewer's RTP timestamp for a channel timestamp: the viewer's base at its first frame, the channel's clock after. */
const viewerTimestamp = (viewer: ViewerSession, channelTimestamp: number): number => {
  viewer.timestampOffset ??= (viewer.timestampBase - channelTimestamp) >>> 0
  return (channelTimestamp + viewer.timestampOffset) >>> 0
}

/** What the viewer's next frame will be stamped with (RTP-Info at PLAY): exact before its first frame. */
export const nextViewerTimestamp = (channel: PublishedChannel, viewer: ViewerSession, nowMillis: number): number => {
  if (viewer.timestampOffset === undefined || channel.last === undefined) return viewer.timestampBase
  const elapsed = Math.max(0, Math.round(((nowMillis - channel.last.arrivalMs) * JPEG_CLOCK_RATE) / 1000))
  return (channel.last.timestamp + viewer.timestampOffset + elapsed) >>> 0
}

const updateFps = (channel: PublishedChannel, timestamp: number): void => {
  const previous = channel.last
  if (previous === undefined) return
  const ticks = timestampDelta(timestamp, previous.timestamp)
  if (ticks <= 0) return
  const fps = JPEG_CLOCK_RATE / ticks
  // A running mean over about ten frames: steady for a steady stream, and it follows a change.
  channel.fps = channel.fps === undefined ? fps : channel.fps + (fps - channel.fps) / 10
}

/** A viewer's SR for the frame it just got; with BYE appended when its stream ends. */
export const viewerSenderReport = (viewer: ViewerSession, unixMillis: number, bye?: string): Buffer =>
  senderReportPacket(viewer, ntpFromUnixMillis(unixMillis), viewer.lastTimestamp ?? viewer.timestampBase, bye)

/** Sends one whole frame to every playing viewer. */
export const relayFrame = (channel: PublishedChannel, frame: IngestedFrame, nowMillis: number): void => {
  updateFps(channel, frame.timestamp)
  channel.stats.framesIn++
  channel.lastFrameAt = nowMillis
  channel.last = { timestamp: frame.timestamp, width: frame.width, height: frame.height, arrivalMs: nowMillis }
  const { payloads } = frame
  let bytes = 0
  for (const payload of payloads) bytes += payload.length
  channel.largestFrameBytes = Math.max(channel.largestFrameBytes, bytes + payloads.length * (RTP_HEADER + 4))
  for (const entry of channel.viewers) sendToViewer(channel, entry, frame, bytes, nowMillis)
  if (channel.multicast !== undefined) sendToViewer(channel, channel.multicast, frame, bytes, nowMillis)
}

/** One frame to one viewer (`bytes` of payload), if it plays: its own SSRC, sequence numbers and timestamps. */
const sendToViewer = (
  channel: PublishedChannel,
  target: { readonly session: ViewerSession; readonly sink: PacketSink },
  frame: IngestedFrame,
  bytes: number,
  nowMillis: number
): void => {
  const viewer = target.session
  if (viewer.state !== "playing") return
  const { payloads } = frame
  const last = payloads.length - 1
  const timestamp = viewerTimestamp(viewer, frame.timestamp)
  const headers = target.sink.headerBuffer(RTP_HEADER * payloads.length)
  for (let i = 0; i <= last; i++) {
    writeRtpHeader(headers, i * RTP_HEADER, i === last, JPEG_PAYLOAD_TYPE, viewer.nextSeq + i, timestamp, viewer.ssrc)
  }
  // Sequence numbers advance even for a dropped frame, so the viewer can see the loss.
  viewer.nextSeq += payloads.length
  viewer.lastTimestamp = timestamp
  const stats = viewer.stats
  if (target.sink.sendFrame(headers, payloads)) {
    stats.framesSent++
    stats.packetsSent += payloads.length
    stats.octetsSent += bytes
    channel.stats.framesOut++
  } else {
    stats.framesDropped++
    channel.stats.framesDropped++
  }
  if (nowMillis - viewer.lastSenderReportAt >= VIEWER_SR_INTERVAL_MS) {
    viewer.lastSenderReportAt = nowMillis
    target.sink.sendRtcp(viewerSenderReport(viewer, wallclockOf(channel, frame.timestamp, nowMillis)))
  }
}

/** The publisher's SR (for its SSRC): the mapping from its RTP time to its wallclock. */
export const recordPublisherReport = (channel: PublishedChannel, report: SenderReport): void => {
  const ssrc = channel.ingest?.ssrc()
  if (ssrc !== undefined && report.ssrc >>> 0 !== ssrc) return
  channel.senderReport = { rtpTimestamp: report.rtpTimestamp >>> 0, unixMillis: unixMillisFromNtp(report.ntpTimestamp) }
}

/**
 * A publisher's packet (`bytes` long) and what the ingest made of it: whole frames go out to the
 * viewers, rejections are counted. Returns the rejections seen for the first time (worth a log line).
 */
export const takeIngested = (channel: PublishedChannel, events: ReadonlyArray<IngestEvent>, bytes: number, now: number): ReadonlyArray<RejectedFrame> => {
  channel.lastPacketAt = now
  channel.stats.packetsIn++
  channel.stats.bytesIn += bytes
  let firsts: Array<RejectedFrame> | undefined
  for (const event of events) {
    if (event._tag === "Frame") relayFrame(channel, event, now)
    else if (countRejection(channel, event.reason, event.message) === 1) (firsts ??= []).push(event)
  }
  return firsts ?? NO_REJECTIONS
}

const NO_REJECTIONS: ReadonlyArray<RejectedFrame> = []

export const countRejection = (channel: PublishedChannel, reason: RejectReason, message: string): number => {
  const n = (channel.stats.rejected.get(reason) ?? 0) + 1
  channel.stats.rejected.set(reason, n)
  channel.lastRejection = message
  return n
}

/** The paths' figures as /metrics shows them. */
export const publishedMetrics = (channels: ReadonlyMap<string, PublishedChannel>, multicastViewers: (path: string) => number = () => 0): Record<string, PublishedPathMetrics> =>
  Object.fromEntries([...channels.values()].map((channel) => {
    let viewers = multicastViewers(channel.path)
    for (const viewer of channel.viewers) if (viewer.session.state === "playing") viewers++
    const { framesIn, framesOut, framesDropped, rejected } = channel.stats
    return [channel.path, { recording: channel.state === "recording" ? 1 : 0, viewers, framesIn, framesOut, framesDropped, rejected: Object.fromEntries(rejected) }]
  }))
