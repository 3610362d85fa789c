/**
 * Watching a published path: DESCRIBE describes the publisher's stream as live, SETUP makes a
 * viewer session of the channel, PLAY adds it to the channel's fan-out after its 200 is on the
 * wire, so its first packet is the first of the next whole frame.
 */
import { Effect } from "effect"
import type { RtspRequest } from "../protocol/rtsp/message.js"
import { formatRtpInfo } from "../protocol/rtsp/headers/rtp-info.js"
import type { ConnectionState, ServerContext, SessionEntry } from "./context.js"
import { MediaNotServable, StreamNotFound } from "./errors.js"
import { reserveSessionSlot } from "./addressLimits.js"
import { nextViewerTimestamp, type PublishedChannel } from "./relay/channel.js"
import { describeReply, ok, sessionHeaderValue } from "./reply.js"
import type { RequestTarget } from "../protocol/rtsp/requestTarget.js"
import { newViewerSession, transportKind, type ViewerSession } from "./session.js"
import { openSession, sessionOptions } from "./sessionLifecycle.js"
import { sinkFor, type TransportChoice, transportReply } from "./transportNegotiation.js"
import { addsStream, setupMember } from "./multicast/memberHandlers.js"

/** Room a viewer's TCP queue keeps per frame before any frame is seen (a large 1080p JPEG); after, twice the largest frame so far. */
const DEFAULT_FRAME_BYTES = 512 * 1024
const frameRoom = (channel: PublishedChannel): number => (channel.largestFrameBytes === 0 ? DEFAULT_FRAME_BYTES : 2 * channel.largestFrameBytes)

/** The channel a request names, if a publisher is recording there. */
export const recordingChannel = (ctx: ServerContext, path: string | undefined): PublishedChannel | undefined => {
  const channel = path === undefined ? undefined : ctx.channels.get(path)
  return channel?.state === "recording" ? channel : undefined
}

/** A path announced but not recording yet has nothing to watch. */
export const notRecording = (path: string) => new StreamNotFound({ message: `${path} has no publisher recording` })

export const describeChannel = (ctx: ServerContext, conn: ConnectionState, target: RequestTarget, channel: PublishedChannel) =>
  describeReply(ctx, conn, target, {
    name: channel.path,
    fps: channel.fps === undefined ? undefined : Math.round(channel.fps * 1000) / 1000,
    durationSeconds: -1,
    live: true
  })

export const setupViewer = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest, channel: PublishedChannel, transport: TransportChoice) =>
  Effect.gen(function* () {
    if ((conn.dialect ?? "standard") !== "standard") {
      return yield* new MediaNotServable({ dialect: "classic", message: `${channel.path} is a published path: it plays in the standard dialect only` })
    }
    yield* reserveSessionSlot(ctx, conn, addsStream(ctx, transport, channel.path))
    if (transport._tag === "MulticastRequest") {
      const member = yield* setupMember(ctx, conn, req, channel.path, { _tag: "Published", channel }, "standard")
      return ok([["Session", sessionHeaderValue(ctx, member)], ["Transport", transportReply(ctx, member.session)]], { sessionId: member.session.id })
    }
    const session = newViewerSession(sessionOptions(ctx, conn, req.uri, transport, channel.path))
    const entry = openSession(ctx, conn, session, sinkFor(ctx, conn, frameRoom(channel), transport))
    channel.viewers.add(entry)
    yield* Effect.logInfo("viewer set up").pipe(Effect.annotateLogs({ session: session.id, peer: session.peer, transport: transportKind(transport), path: channel.path }))
    return ok([["Session", sessionHeaderValue(ctx, entry)], ["Transport", transportReply(ctx, session)]], { sessionId: session.id })
  })

/** PLAY: the viewer gets the channel's frames from the next whole one on; a Range cannot seek a live stream. */
export const playViewer = (ctx: ServerContext, entry: SessionEntry<ViewerSession>) =>
  Effect.gen(function* () {
    const { session } = entry
    const channel = ctx.channels.get(session.path)
    // A viewer outlives its publisher (so its PAUSE and TEARDOWN are answered), but has nothing more to play.
    if (channel === undefined || !channel.viewers.has(entry)) return yield* new StreamNotFound({ message: `the publisher of ${session.path} is gone` })
    const rtptime = nextViewerTimestamp(channel, session, ctx.clock.unsafeCurrentTimeMillis())
    const headers = [
      ["Session", sessionHeaderValue(ctx, entry)],
      ["Range", "npt=now-"],
      ["RTP-Info", formatRtpInfo([{ url: session.controlUrl, seq: session.nextSeq & 0xffff, rtptime }])]
    ] as const
    // Playing from when the reply is on the wire: no frame may overtake the 200 on a TCP connection.
    return ok(headers, { sessionId: session.id, after: Effect.sync(() => { session.state = "playing" }) })
  })
