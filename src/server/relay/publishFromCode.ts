/**
 * A published path fed by the program that embeds the server: an Effect Stream of whole JPEG
 * frames (stamped by the clock as each arrives, so the stream's pace is the frame rate) or of
 * RTP/JPEG packets (RFC 2435, their own timestamps, the same checks a network publisher gets).
 * Viewers watch it like every other published path. It runs while the stream does: when the stream ends,
 * fails or is interrupted the path closes and its viewers get BYE. A frame that cannot be sent
 * is counted and logged, never the stream's failure.
 */
import { Data, Effect, Stream } from "effect"
import { JPEG_CLOCK_RATE, JPEG_PAYLOAD_TYPE } from "../../protocol/rtpJpeg.js"
import type { ServerContext } from "../context.js"
import { closeChannel } from "../sessionLifecycle.js"
import { newChannel, type PublishedChannel, publishedMetrics, takeIngested } from "./channel.js"
import { type IngestEvent, jpegFrame, makeFrameIngest } from "./frameIngest.js"
import { isPublishablePath, pathConflict, PUBLISH_PATH_RULE } from "./pathClaim.js"
import { MAX_AHEAD_OF_REAL_TIME_MS, MAX_PUBLISHED_FPS } from "./publishLimits.js"

/** The path cannot be published to from code: not a valid path, or taken. */
export class PublishError extends Data.TaggedError("PublishError")<{
  readonly reason: "BadPath" | "PathInUse"
  readonly path: string
  readonly message: string
}> {}

const claim = (ctx: ServerContext, path: string, payloadType: number) =>
  Effect.gen(function* () {
    if (!isPublishablePath(path)) return yield* new PublishError({ reason: "BadPath", path, message: `cannot publish to ${JSON.stringify(path)}: ${PUBLISH_PATH_RULE}` })
    const conflict = yield* pathConflict(ctx, path, undefined)
    if (conflict !== undefined) return yield* new PublishError({ reason: "PathInUse", path, message: conflict })
    // /metrics shows published paths from the first one on, with --publish or without.
    ctx.metrics.readPublished(() => publishedMetrics(ctx.channels))
    const now = ctx.clock.unsafeCurrentTimeMillis()
    const channel = newChannel(path, undefined, payloadType, now)
    channel.state = "recording"
    ctx.channels.set(path, channel)
    return channel
  })

/** Relays or counts the events; a rejection is logged the first time its reason comes up. */
const take = (channel: PublishedChannel, events: ReadonlyArray<IngestEvent>, bytes: number, now: number): Effect.Effect<void> =>
  Effect.forEach(takeIngested(channel, events, bytes, now), (rejection) =>
    Effect.logWarning(`frame from code rejected (${rejection.reason}): ${rejection.message}`).pipe(Effect.annotateLogs({ path: channel.path })), { discard: true })

const runPath = <E, R>(ctx: ServerContext, channel: PublishedChannel, feed: Stream.Stream<void, E, R>): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    yield* Effect.logInfo(`publisher started: ${channel.path} (from code)`)
    yield* Stream.runDrain(feed)
  }).pipe(
    Effect.onExit((exit) =>
      closeChannel(ctx, channel, exit._tag === "Success" ? "the stream ended" : "the stream failed or was interrupted"))
  )

/** Publishes whole JPEG frames under `path`, each stamped on the 90 kHz clock when it arrives. */
export const publishJpegStream = <E, R>(ctx: ServerContext, path: string, frames: Stream.Stream<Uint8Array, E, R>): Effect.Effect<void, PublishError | E, R> =>
  Effect.flatMap(claim(ctx, path, JPEG_PAYLOAD_TYPE), (channel) => {
    const startMillis = ctx.clock.unsafeCurrentTimeMillis()
    return runPath(ctx, channel, Stream.mapEffect(frames, (jpeg) => {
      const now = ctx.clock.unsafeCurrentTimeMillis()
      const timestamp = Math.round(((now - startMillis) * JPEG_CLOCK_RATE) / 1000) >>> 0
      return take(channel, [jpegFrame(Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength), timestamp, ctx.config.mtu)], jpeg.byteLength, now)
    }))
  })

/** Publishes RTP/JPEG packets (RFC 2435) under `path`, with their own timestamps; `payloadType` defaults to 26. */
export const publishRtpStream = <E, R>(ctx: ServerContext, path: string, packets: Stream.Stream<Uint8Array, E, R>, payloadType = JPEG_PAYLOAD_TYPE): Effect.Effect<void, PublishError | E, R> =>
  Effect.flatMap(claim(ctx, path, payloadType), (channel) => {
    const ingest = makeFrameIngest({ payloadType, mtu: ctx.config.mtu, maxFps: MAX_PUBLISHED_FPS, maxAheadMs: MAX_AHEAD_OF_REAL_TIME_MS })
    channel.ingest = ingest
    return runPath(ctx, channel, Stream.mapEffect(packets, (packet) => {
      const now = ctx.clock.unsafeCurrentTimeMillis()
      return take(channel, ingest.push(packet, 0, packet.length, now), packet.length, now)
    }))
  })
