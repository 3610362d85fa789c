/**
 * A file playing on its own fiber: a file session's, or a multicast group's on a live
 * channel. Each stream is a fiber in the server's FiberMap keyed by its session id, so
 * PAUSE and TEARDOWN are `FiberMap.remove`.
 */
import { Effect, FiberMap } from "effect"
import type { ServerContext } from "./context.js"
import { liveFrameDue } from "./liveChannel.js"
import { recordLateness } from "./loadShedding.js"
import { type PacketSink, senderReport, sendFrame } from "./rtpSender.js"
import { type FileSession, type Session, transportKind } from "./session.js"

/** RTCP sender reports go out at stream start and then this often. */
export const SENDER_REPORT_INTERVAL_MS = 5000

/** What a session's log lines are annotated with. */
export const sessionLog = (session: Session) => ({
  session: session.id,
  peer: session.peer,
  dialect: session.dialect,
  transport: transportKind(session.transport),
  media: session.path
})

const streamFile = (ctx: ServerContext, session: FileSession, sink: PacketSink): Effect.Effect<void> =>
  Effect.gen(function* () {
    const frameCount = session.media.file.frames.length
    session.lastSenderReportAt = Number.NEGATIVE_INFINITY
    // A live channel's frames are due on its one clock (PLAY chose the frame to join at) and never end.
    const live = ctx.live.paths.has(session.media.urlPath)
    const result = yield* ctx.scheduler.run({
      fps: session.media.fps,
      firstFrame: session.nextFrame,
      ...(live ? { anchorMillis: liveFrameDue(ctx.live.epochMillis, session.nextFrame, session.media.fps) } : {}),
      // Without --loop a run ends with the current pass over the file; a PLAY after the end starts
      // the next pass (frame counter and timestamps keep growing).
      endFrame: ctx.config.loop || live ? undefined : (Math.floor(session.nextFrame / frameCount) + 1) * frameCount,
      sendFrame: (frameIndex, dueMillis) => {
        const sent = sendFrame(session, sink, frameIndex)
        const now = ctx.clock.unsafeCurrentTimeMillis()
        recordLateness(ctx.load, now - dueMillis, now)
        session.nextFrame = frameIndex + 1
        if (sent.sent) ctx.metrics.framesSent(1, sent.packets, sent.bytes)
        else ctx.metrics.framesDropped(1)
        if (session.dialect === "standard") {
          if (now - session.lastSenderReportAt >= SENDER_REPORT_INTERVAL_MS) {
            session.lastSenderReportAt = now
            sink.sendRtcp(senderReport(session, frameIndex, now))
          }
        }
        const fallback = ctx.rtpSender.takeFallback()
        if (fallback !== undefined) return Effect.logWarning(`UDP send path: plain from now on (${fallback})`)
        // The first drop is worth a line; the total is logged when the session ends.
        return !sent.sent && session.stats.framesDropped === 1
          ? Effect.logWarning("receiver too slow: dropping whole frames").pipe(Effect.annotateLogs(sessionLog(session)))
          : undefined
      }
    })
    if (session.dialect === "standard") {
      // End of stream: players take the BYE as the end. It goes out when the last frame's
      // display time is over: sent at once, it can overtake that frame's packets (RTCP has
      // its own socket) and a player would stop one frame short.
      yield* Effect.sleep(1000 / session.media.fps)
      sink.sendRtcp(senderReport(session, result.nextFrame - 1, ctx.clock.unsafeCurrentTimeMillis(), "end of stream"))
    }
    yield* Effect.logInfo(`end of media after ${session.stats.framesSent} frames`).pipe(Effect.annotateLogs(sessionLog(session)))
  })

/** Starts (or restarts) the session's streaming fiber from `session.nextFrame`. */
export const startStream = (ctx: ServerContext, session: FileSession, sink: PacketSink): Effect.Effect<void> =>
  FiberMap.run(ctx.streams, session.id, streamFile(ctx, session, sink)).pipe(Effect.asVoid)

/** Stops the streaming fiber and waits for it: no frame is sent after this returns. */
export const stopStream = (ctx: ServerContext, sessionId: string): Effect.Effect<void> =>
  // A frame the fiber queued for the end of the turn leaves now, before the next reply or BYE.
  FiberMap.remove(ctx.streams, sessionId).pipe(Effect.zipRight(Effect.sync(ctx.rtpSender.flush)))

export const isStreaming = (ctx: ServerContext, sessionId: string): Effect.Effect<boolean> =>
  FiberMap.has(ctx.streams, sessionId)
