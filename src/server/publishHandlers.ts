/**
 * Publishing (RFC 2326 §10.3, §10.11): ANNOUNCE names a path and describes the stream, SETUP
 * with mode=record says where its RTP comes from, RECORD starts it. Only with --publish, only
 * from --publish-from (loopback by default), one publisher per path, and only what we can
 * relay: one JPEG/90000 video track. Every refusal leaves everything else as it was.
 */
import { Effect, Either } from "effect"
import { getHeader, type RtspRequest } from "../protocol/rtsp/message.js"
import type { TransportSpec } from "../protocol/rtsp/headers/transport.js"
import { parseSdp } from "../protocol/sdp.js"
import { describeTracks } from "../protocol/sdpTracks.js"
import { JPEG_CLOCK_RATE } from "../protocol/rtpJpeg.js"
import type { ConnectionState, ServerContext, SessionEntry } from "./context.js"
import { BadAnnouncement, MediaNotServable, PathInUse, PublishForbidden, PublishingDisabled } from "./errors.js"
import { reserveSessionSlot } from "./addressLimits.js"
import { makeFrameIngest } from "./relay/frameIngest.js"
import { MAX_AHEAD_OF_REAL_TIME_MS, MAX_PUBLISHED_FPS } from "./relay/publishLimits.js"
import { newChannel } from "./relay/channel.js"
import { isPublishablePath, pathConflict, PUBLISH_PATH_RULE } from "./relay/pathClaim.js"
import { decodedPath, ok, type Reply, sessionHeaderValue, targetOf } from "./reply.js"
import { newPublisherSession, type PublisherSession, transportKind } from "./session.js"
import { openSession, sessionOptions } from "./sessionLifecycle.js"
import { chooseUnicastTransport, sinkFor, transportReply } from "./transportNegotiation.js"

/** Publishing is on, and this connection's address may publish. */
const mayPublish = (ctx: ServerContext, conn: ConnectionState, method: string) =>
  Effect.gen(function* () {
    if (!ctx.config.publish) return yield* new PublishingDisabled({ method })
    if (!ctx.publishFrom.includes(conn.peer)) return yield* new PublishForbidden({ address: conn.peer, allowed: ctx.publishFrom.text })
  })

const publishPathOf = (req: RtspRequest) =>
  Effect.gen(function* () {
    const target = yield* targetOf(req)
    const path = decodedPath(target)
    if (path === undefined || !isPublishablePath(path)) {
      return yield* new BadAnnouncement({ message: `cannot publish to ${JSON.stringify(target.mediaPath)}: ${PUBLISH_PATH_RULE}` })
    }
    return path
  })

export const announce = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest) =>
  Effect.gen(function* () {
    yield* mayPublish(ctx, conn, "ANNOUNCE")
    const path = yield* publishPathOf(req)
    const contentType = getHeader(req.headers, "Content-Type")?.split(";")[0]?.trim().toLowerCase()
    if (contentType !== "application/sdp") {
      return yield* new MediaNotServable({ message: `ANNOUNCE for ${path}: the body must be application/sdp, not ${contentType ?? "absent"}` })
    }
    const sdp = parseSdp(req.body.toString("utf8"))
    if (Either.isLeft(sdp)) return yield* new BadAnnouncement({ message: `ANNOUNCE for ${path}: the SDP does not parse: ${sdp.left.message}` })
    const tracks = describeTracks(sdp.right, req.uri)
    const offered = tracks.map((t) => `${t.kind} ${t.encoding}/${t.clockRate}`).join(", ") || "no track"
    const video = tracks[0]
    if (tracks.length !== 1 || video === undefined || video.codec !== "JPEG" || video.clockRate !== JPEG_CLOCK_RATE) {
      return yield* new MediaNotServable({ message: `ANNOUNCE for ${path}: only one JPEG/${JPEG_CLOCK_RATE} video track (RFC 2435) can be published, and the SDP has ${offered}` })
    }
    const conflict = yield* pathConflict(ctx, path, conn.id)
    if (conflict !== undefined) return yield* new PathInUse({ path, message: conflict })
    ctx.channels.set(path, newChannel(path, conn.id, video.payloadType, ctx.clock.unsafeCurrentTimeMillis()))
    conn.announced.add(path)
    yield* Effect.logInfo(`path announced: ${path}`).pipe(Effect.annotateLogs({ peer: conn.peer }))
    return ok()
  })

/** SETUP with mode=record: the publisher's one track, on a path this connection announced. */
export const setupRecord = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest, specs: ReadonlyArray<TransportSpec>, existing: SessionEntry | undefined) =>
  Effect.gen(function* () {
    yield* mayPublish(ctx, conn, "SETUP")
    const path = yield* publishPathOf(req)
    const channel = ctx.channels.get(path)
    if (channel === undefined || channel.connectionId !== conn.id || !conn.announced.has(path)) {
      return yield* new BadAnnouncement({ message: `SETUP with mode=record for ${path}: ANNOUNCE the path on this connection first` })
    }
    if (existing !== undefined || channel.publisher !== undefined) {
      return yield* new PathInUse({ path, message: `${path} already has its one track set up` })
    }
    const transport = yield* chooseUnicastTransport(ctx, conn, specs, undefined, "a publisher sends to the server over unicast UDP or TCP interleaved; multicast is for viewers")
    yield* reserveSessionSlot(ctx, conn, true)
    const session = newPublisherSession(sessionOptions(ctx, conn, req.uri, transport, path))
    const entry = openSession(ctx, conn, session, sinkFor(ctx, conn, 0, transport))
    if (transport._tag === "Udp") ctx.publishersByRtpPeer.set(`${transport.address}:${transport.rtpPort}`, entry)
    channel.publisher = entry
    yield* Effect.logInfo("publisher set up").pipe(Effect.annotateLogs({ session: session.id, peer: session.peer, transport: transportKind(transport), path }))
    return setupRecordReply(ctx, entry)
  })

const setupRecordReply = (ctx: ServerContext, entry: SessionEntry<PublisherSession>): Reply =>
  ok([["Session", sessionHeaderValue(ctx, entry)], ["Transport", transportReply(ctx, entry.session, "RECORD")]], { sessionId: entry.session.id })

/** RECORD: the publisher's frames are taken from now on. */
export const record = (ctx: ServerContext, entry: SessionEntry<PublisherSession>) =>
  Effect.gen(function* () {
    const { session } = entry
    const channel = ctx.channels.get(session.path)
    if (channel === undefined || channel.publisher !== entry) return yield* new BadAnnouncement({ message: `RECORD: ${session.path} is no longer announced` })
    const now = ctx.clock.unsafeCurrentTimeMillis()
    if (channel.state !== "recording") {
      channel.state = "recording"
      channel.lastPacketAt = now
      channel.lastFrameAt = now
      channel.ingest ??= makeFrameIngest({ payloadType: channel.payloadType, mtu: ctx.config.mtu, maxFps: MAX_PUBLISHED_FPS, maxAheadMs: MAX_AHEAD_OF_REAL_TIME_MS })
      yield* Effect.logInfo(`publisher started: ${session.path}`).pipe(Effect.annotateLogs({ session: session.id, peer: session.peer, transport: transportKind(session.transport) }))
    }
    session.state = "recording"
    return ok([["Session", sessionHeaderValue(ctx, entry)], ["Range", "npt=now-"]], { sessionId: session.id })
  })
