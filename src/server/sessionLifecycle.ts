/**
 * Opening and ending sessions, and what RTCP from clients does to them. A file session
 * streams from its own fiber (fileStream.ts).
 */
import { Effect } from "effect"
import { decodeRtcpCompound, fractionLostRatio } from "../protocol/rtcp.js"
import { JPEG_CLOCK_RATE } from "../protocol/rtpJpeg.js"
import { type ConnectionState, isFileEntry, isPublisherEntry, isViewerEntry, type ServerContext, type SessionEntry } from "./context.js"
import type { Dialect } from "../protocol/rtsp/vocabulary.js"
import type { PacketSink } from "./rtpSender.js"
import { senderReport } from "./rtpSender.js"
import { sessionLog, stopStream } from "./fileStream.js"
import { closeGroup, groupOf, leaveGroup } from "./multicast/groups.js"
import { endImpairment } from "./sessionImpairment.js"
import type { NewSessionOptions, PublisherSession, Session, SessionTransport } from "./session.js"
import { type PublishedChannel, recordPublisherReport, viewerSenderReport } from "./relay/channel.js"
import { sessionRegistered, sessionUnregistered } from "./addressLimits.js"

/** What every new session of a connection starts from (newFileSession and the others take it). */
export const sessionOptions = (ctx: ServerContext, conn: ConnectionState, controlUrl: string, transport: SessionTransport, path: string, dialect: Dialect = "standard"): NewSessionOptions => ({
  dialect,
  connectionId: conn.id,
  peer: conn.peer,
  path,
  controlUrl,
  transport,
  now: ctx.clock.unsafeCurrentTimeMillis(),
  isTaken: (id) => ctx.sessions.has(id)
})

/** A session just made, with its sink, registered on the server and its connection. */
export const openSession = <S extends Session>(ctx: ServerContext, conn: ConnectionState, session: S, sink: PacketSink): SessionEntry<S> => {
  const entry: SessionEntry<S> = { session, sink, connection: conn, rtcpPeerKey: undefined, ended: false, impairment: undefined }
  const transport = session.transport
  if (transport._tag === "Interleaved") conn.nextChannel = Math.max(conn.nextChannel, transport.rtcpChannel + 1)
  registerSession(ctx, entry)
  return entry
}

export const registerSession = (ctx: ServerContext, entry: SessionEntry): void => {
  const { session } = entry
  ctx.sessions.set(session.id, entry)
  ctx.sessionsBySsrc.set(session.ssrc, entry)
  entry.connection.sessionIds.add(session.id)
  sessionRegistered(ctx, entry.connection)
  indexRtcpPeer(ctx, entry)
  ctx.metrics.sessionStarted(session)
}

/** Re-indexes a UDP session by the endpoint its RTCP comes from (after SETUP changes the transport). */
export const indexRtcpPeer = (ctx: ServerContext, entry: SessionEntry): void => {
  if (entry.rtcpPeerKey !== undefined) ctx.sessionsByRtcpPeer.delete(entry.rtcpPeerKey)
  const t = entry.session.transport
  entry.rtcpPeerKey = t._tag === "Udp" && t.rtcpPort !== undefined ? `${t.address}:${t.rtcpPort}` : undefined
  if (entry.rtcpPeerKey !== undefined) ctx.sessionsByRtcpPeer.set(entry.rtcpPeerKey, entry)
}

export const endSession = (ctx: ServerContext, entry: SessionEntry, reason: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (entry.ended) return
    entry.ended = true
    const { session } = entry
    const now = ctx.clock.unsafeCurrentTimeMillis()
    const group = session.transport._tag === "Multicast" ? groupOf(ctx, entry) : undefined
    if (group !== undefined) yield* leaveGroup(ctx, group, entry)
    else if (isFileEntry(entry)) {
      yield* stopStream(ctx, session.id)
      // What an impairment still delays goes with the session; the BYE is not held behind it.
      entry.impairment?.close()
      if (session.dialect === "standard") entry.sink.sendRtcp(senderReport(entry.session, Math.max(entry.session.nextFrame - 1, 0), now, reason))
    } else if (isViewerEntry(entry)) {
      ctx.channels.get(session.path)?.viewers.delete(entry)
      entry.sink.sendRtcp(viewerSenderReport(entry.session, now, reason))
    }
    ctx.sessions.delete(session.id)
    ctx.sessionsBySsrc.delete(session.ssrc)
    if (entry.rtcpPeerKey !== undefined) ctx.sessionsByRtcpPeer.delete(entry.rtcpPeerKey)
    entry.connection.sessionIds.delete(session.id)
    sessionUnregistered(ctx, entry.connection)
    ctx.metrics.sessionEnded(session.id, reason)
    const { framesSent, framesDropped, packetsSent } = session.stats
    const impaired = yield* endImpairment(ctx, entry)
    yield* Effect.logInfo(`session ended: ${reason}`).pipe(
      Effect.annotateLogs({ ...sessionLog(session), framesSent, framesDropped, packetsSent, ...impaired })
    )
    if (isPublisherEntry(entry)) yield* endPublisher(ctx, entry, reason)
  })

/** The publisher's session ended: its path, if it still holds one, closes with it. */
const endPublisher = (ctx: ServerContext, entry: SessionEntry<PublisherSession>, reason: string): Effect.Effect<void> => {
  const t = entry.session.transport
  if (t._tag === "Udp") ctx.publishersByRtpPeer.delete(`${t.address}:${t.rtpPort}`)
  const channel = ctx.channels.get(entry.session.path)
  return channel !== undefined && channel.publisher === entry ? closeChannel(ctx, channel, reason) : Effect.void
}

/**
 * The publisher is gone (TEARDOWN, its connection, its RTCP BYE, silence): the path is free
 * again, and every viewer gets its BYE. Sessions stay in their state, detached, as a file
 * session does at its end: the clients' PAUSE and TEARDOWN (the publisher's too) are still
 * answered 200, and a viewer's PLAY is 404.
 */
export const closeChannel = (ctx: ServerContext, channel: PublishedChannel, reason: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (ctx.channels.get(channel.path) !== channel) return
    ctx.channels.delete(channel.path)
    const publisher = channel.publisher
    publisher?.connection.announced.delete(channel.path)
    const { framesIn, framesOut, framesDropped } = channel.stats
    const rejected = [...channel.stats.rejected.entries()].map(([why, n]) => `${why} ${n}`).join(", ") || "none"
    yield* Effect.logInfo(`publisher ended: ${channel.path} (${reason})`).pipe(
      Effect.annotateLogs({ session: publisher?.session.id ?? "-", peer: publisher?.session.peer ?? "-", framesIn, framesOut, framesDropped, rejected, viewers: channel.viewers.size })
    )
    const now = ctx.clock.unsafeCurrentTimeMillis()
    for (const viewer of channel.viewers) {
      viewer.sink.sendRtcp(viewerSenderReport(viewer.session, now, `publisher gone: ${reason}`))
    }
    channel.viewers.clear()
    const group = ctx.multicast?.byPath.get(channel.path)
    if (group?.stream.kind === "published" && group.stream.channel === channel) yield* closeGroup(ctx, group, `publisher gone: ${reason}`)
  })

export const touch = (ctx: ServerContext, entry: SessionEntry): void => {
  entry.session.lastActivity = ctx.clock.unsafeCurrentTimeMillis()
}

/**
 * RTCP from a client: receiver reports update the reported session's loss
 * and jitter, and any RTCP keeps the sending session alive. A publisher's SR
 * maps its RTP time to its wallclock, and its BYE ends it (the effect returned).
 * Undecodable packets are ignored (they cost nothing and harm nothing).
 */
export const handleClientRtcp = (ctx: ServerContext, data: Uint8Array, from: SessionEntry | undefined): Effect.Effect<void> | undefined => {
  if (from) touch(ctx, from)
  const decoded = decodeRtcpCompound(data)
  if (decoded._tag === "Left") return undefined
  let ending: Effect.Effect<void> | undefined
  for (const packet of decoded.right) {
    if (from !== undefined && isPublisherEntry(from)) {
      const channel = ctx.channels.get(from.session.path)
      if (channel?.publisher === from && packet._tag === "SenderReport") recordPublisherReport(channel, packet)
      const ssrc = channel?.ingest?.ssrc()
      if (packet._tag === "Goodbye" && (ssrc === undefined || packet.ssrcs.some((s) => s >>> 0 === ssrc))) {
        if (channel !== undefined && channel.publisher === from) ending = closeChannel(ctx, channel, "publisher sent RTCP BYE")
      }
    }
    if (packet._tag !== "ReceiverReport" && packet._tag !== "SenderReport") continue
    for (const block of packet.reports) {
      const entry = ctx.sessionsBySsrc.get(block.ssrc >>> 0)
      if (!entry || (from && entry !== from)) continue
      touch(ctx, entry)
      const stats = entry.session.stats
      stats.receiverReports++
      stats.fractionLost = fractionLostRatio(block.fractionLost)
      stats.cumulativeLost = block.cumulativeLost
      stats.jitterSeconds = block.jitter / JPEG_CLOCK_RATE
      ctx.metrics.receiverReport()
    }
  }
  return ending
}
