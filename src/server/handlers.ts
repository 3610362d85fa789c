/**
 * One RTSP request in, one reply out. Checks run in a fixed order (version,
 * method, Require, session, state table), then the method's handler. Every
 * refusal is a condition from errors.ts; refusals.ts maps it to a status.
 */
import { Effect, Either } from "effect"
import { MediaNotFound, type ServedMedia } from "../media/MediaLibrary.js"
import { getHeader, type RtspHeaders, type RtspRequest } from "../protocol/rtsp/message.js"
import { formatNptSeconds, parseRange } from "../protocol/rtsp/headers/range.js"
import { formatRtpInfo } from "../protocol/rtsp/headers/rtp-info.js"
import { parseSession } from "../protocol/rtsp/headers/session.js"
import type { RequestTarget } from "../protocol/rtsp/requestTarget.js"
import type { Dialect } from "../protocol/rtsp/vocabulary.js"
import { type ConnectionState, isFileEntry, isPublisherEntry, isViewerEntry, type ServerContext, type SessionEntry } from "./context.js"
import {
  BadImpairment,
  MalformedHeader,
  MediaNotServable,
  MethodNotImplemented,
  MethodNotValidInState,
  OptionNotSupported,
  PublishingDisabled,
  RangeNotSatisfiable,
  type RequestRefusal,
  SessionNotFound,
  StreamNotFound,
  UnsupportedRangeUnit,
  VersionNotSupported
} from "./errors.js"
import { reserveSessionSlot } from "./addressLimits.js"
import { guardRequest } from "./auth/gate.js"
import { PUBLIC_METHODS } from "./refusals.js"
import { type FileSession, frameTimestamp, newFileSession, transportKind } from "./session.js"
import { endSession, indexRtcpPeer, openSession, sessionOptions, touch } from "./sessionLifecycle.js"
import { isStreaming, startStream, stopStream } from "./fileStream.js"
import type { ImpairmentProfile } from "../impair/profile.js"
import { askedImpairment, asksForImpairmentStats, impairmentPlaying, impairmentStatsReply, impairSession } from "./sessionImpairment.js"
import { profileLabel } from "./impairmentTally.js"
import { addsStream, multicastRefusal, notLiveRefusal, pauseMemberReply, playMemberReply, setupMember } from "./multicast/memberHandlers.js"
import { allowedIn, isSupportedMethod, type SessionState, transition, type SupportedMethod } from "./stateMachine.js"
import { chooseTransport, chooseUnicastTransport, largestFrameOf, parseTransportHeader, sinkFor, transportReply } from "./transportNegotiation.js"
import { liveJoinFrame } from "./liveChannel.js"
import { decodedPath, describeReply, ok, type Reply, sessionHeaderValue, targetOf } from "./reply.js"
import { announce, record, setupRecord } from "./publishHandlers.js"
import { describeChannel, notRecording, playViewer, recordingChannel, setupViewer } from "./viewerHandlers.js"
import { PLAY_METHODS } from "./refusals.js"
export type { Reply }

const resolveMedia = (ctx: ServerContext, target: RequestTarget, dialect: Dialect) =>
  ctx.library.resolve(target.mediaPath).pipe(
    Effect.mapError((error) =>
      error instanceof MediaNotFound
        ? new StreamNotFound({
          message: ctx.config.publish && error.reason === "NotMjpeg" ? `nothing is published at ${target.mediaPath}, and it names no MJPEG file` : error.message
        })
        : new MediaNotServable({ message: error.message })),
    Effect.filterOrFail(
      (media) => media.file[dialect].servable,
      (media) => new MediaNotServable({ dialect, message: `${media.urlPath} cannot be served in the ${dialect} dialect (see: effect-rtsp video info)` })
    )
  )

const isLive = (ctx: ServerContext, media: ServedMedia): boolean => ctx.live.paths.has(media.urlPath)

/**
 * What a 455 says may be done: the state's methods, less what this server or session would
 * refuse anyway. PLAY belongs to sessions set up to play, RECORD to publishers, and without
 * --publish nothing publishes; a published stream's one track is set up once, as is a multicast member.
 */
const allowedFor = (ctx: ServerContext, state: SessionState, entry: SessionEntry | undefined): ReadonlyArray<SupportedMethod> =>
  allowedIn(state).filter((m) => {
    if (!ctx.config.publish && (m === "ANNOUNCE" || m === "RECORD")) return false
    if (entry === undefined) return true
    if (entry.session.kind === "publisher") return m !== "PLAY" && m !== "SETUP"
    const setUpOnce = entry.session.kind !== "file" || entry.session.transport._tag === "Multicast"
    return m !== "RECORD" && (!setUpOnce || m !== "SETUP")
  })

const notValid = (ctx: ServerContext, method: SupportedMethod, entry: SessionEntry | undefined) => {
  const state = entry?.session.state ?? "init"
  return new MethodNotValidInState({ method, state, allowed: allowedFor(ctx, state, entry) })
}

/** The session a request names, which must belong to this connection (454 otherwise). */
const sessionOf = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest): Effect.Effect<SessionEntry | undefined, MalformedHeader | SessionNotFound> => {
  const value = getHeader(req.headers, "Session")
  if (value === undefined) return Effect.succeed(undefined)
  const parsed = parseSession(value)
  if (Either.isLeft(parsed)) return Effect.fail(new MalformedHeader({ header: "Session", message: parsed.left.message }))
  const id = parsed.right.id
  // Classic "Session: 0" means no session (the client's id before SETUP; our classic errors say it too),
  // so PLAY/PAUSE/TEARDOWN with it are 455 (not valid before SETUP), not 454.
  if (conn.dialect === "classic" && id === "0") return Effect.succeed(undefined)
  const entry = ctx.sessions.get(id)
  return entry && entry.connection === conn ? Effect.succeed(entry) : Effect.fail(new SessionNotFound({ sessionId: id }))
}

export const handleRequest = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest): Effect.Effect<Reply, RequestRefusal> =>
  Effect.gen(function* () {
    if (req.version !== "RTSP/1.0") return yield* new VersionNotSupported({ version: req.version })
    if (!isSupportedMethod(req.method)) return yield* new MethodNotImplemented({ method: req.method })
    const require = getHeader(req.headers, "Require")
    if (require !== undefined) return yield* new OptionNotSupported({ option: require })
    if (!ctx.config.publish && (req.method === "ANNOUNCE" || req.method === "RECORD")) return yield* new PublishingDisabled({ method: req.method })
    const entry = yield* sessionOf(ctx, conn, req)
    if (entry) touch(ctx, entry)
    const method: SupportedMethod = req.method
    const state = entry?.session.state ?? "init"
    const step = transition(state, method)
    if (step._tag === "NotValidInState") return yield* notValid(ctx, method, entry)
    yield* guardRequest(ctx, conn, req)
    switch (method) {
      case "OPTIONS":
        return ok([["Public", ctx.config.publish ? PUBLIC_METHODS : PLAY_METHODS]])
      case "GET_PARAMETER":
        if (entry && asksForImpairmentStats(req.body)) return impairmentStatsReply(ctx, entry)
        return entry ? ok([["Session", sessionHeaderValue(ctx, entry)]]) : ok()
      case "DESCRIBE":
        return yield* describe(ctx, conn, req)
      case "ANNOUNCE":
        return yield* announce(ctx, conn, req)
      case "SETUP":
        return yield* setup(ctx, conn, req, entry)
      case "PLAY":
        if (isFileEntry(entry!)) return yield* play(ctx, req, entry)
        if (isViewerEntry(entry!)) return yield* (entry.session.transport._tag === "Multicast" ? playMemberReply(ctx, req, entry) : playViewer(ctx, entry))
        return yield* notValid(ctx, method, entry)
      case "RECORD":
        if (isPublisherEntry(entry!)) return yield* record(ctx, entry)
        return yield* notValid(ctx, method, entry)
      case "PAUSE":
        return yield* pause(ctx, entry!)
      case "TEARDOWN":
        yield* endSession(ctx, entry!, "teardown")
        return ok([], { sessionId: entry!.session.id })
    }
  })

const describe = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest) =>
  Effect.gen(function* () {
    const target = yield* targetOf(req)
    // A bad impairment query is refused here already, and a good one kept for this path's SETUP.
    yield* askedImpairment(ctx, conn, target)
    const channel = recordingChannel(ctx, decodedPath(target))
    if (channel !== undefined) return describeChannel(ctx, conn, target, channel)
    if (ctx.channels.has(decodedPath(target) ?? "")) return yield* notRecording(decodedPath(target) ?? "")
    const media = yield* resolveMedia(ctx, target, "standard")
    return describeReply(ctx, conn, target, { name: media.urlPath, fps: media.fps, durationSeconds: media.durationSeconds, live: isLive(ctx, media) })
  })

const setup = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest, existing: SessionEntry | undefined) =>
  Effect.gen(function* () {
    const dialect = conn.dialect ?? "standard"
    const target = yield* targetOf(req)
    const specs = yield* parseTransportHeader(getHeader(req.headers, "Transport"))
    if (specs.some((spec) => spec.mode === "RECORD")) return yield* setupRecord(ctx, conn, req, specs, existing)
    if (existing && (!isFileEntry(existing) || existing.session.transport._tag === "Multicast")) {
      // A published stream has one track and its transport is set once; so is a group member's.
      return yield* notValid(ctx, "SETUP", existing)
    }
    if (existing) {
      // A second SETUP in READY: same media, new transport.
      const transport = yield* chooseUnicastTransport(ctx, conn, specs, existing, "a unicast session stays unicast: set up a new session for multicast")
      existing.session.transport = transport
      const sink = sinkFor(ctx, conn, largestFrameOf(existing.session.media), transport)
      if (existing.impairment === undefined) existing.sink = sink
      else existing.impairment.retarget(sink)
      indexRtcpPeer(ctx, existing)
      return setupReply(ctx, existing)
    }
    const path = decodedPath(target)
    const channel = recordingChannel(ctx, path)
    if (channel !== undefined) {
      yield* fileSessionsOnly(yield* askedImpairment(ctx, conn, target))
      const choice = yield* chooseTransport(ctx, conn, specs, undefined, multicastRefusal(ctx, dialect, undefined))
      return yield* setupViewer(ctx, conn, req, channel, choice)
    }
    if (ctx.channels.has(path ?? "")) return yield* notRecording(path ?? "")
    const media = yield* resolveMedia(ctx, target, dialect)
    const asked = yield* askedImpairment(ctx, conn, target)
    const choice = yield* chooseTransport(ctx, conn, specs, undefined, multicastRefusal(ctx, dialect, isLive(ctx, media) ? undefined : notLiveRefusal(media.urlPath)))
    yield* reserveSessionSlot(ctx, conn, addsStream(ctx, choice, media.urlPath))
    if (choice._tag === "MulticastRequest") {
      yield* fileSessionsOnly(asked)
      return setupReply(ctx, yield* setupMember(ctx, conn, req, media.urlPath, { _tag: "File", media }, dialect))
    }
    const session = newFileSession({ ...sessionOptions(ctx, conn, req.uri, choice, media.urlPath, dialect), media })
    const entry = openSession(ctx, conn, session, sinkFor(ctx, conn, largestFrameOf(media), choice))
    const impairment = asked ?? ctx.impairEvery
    if (impairment !== undefined) impairSession(ctx, entry, impairment)
    yield* Effect.logInfo("session set up").pipe(Effect.annotateLogs({
      session: session.id, peer: session.peer, dialect, transport: transportKind(choice), media: media.urlPath,
      ...(impairment === undefined ? {} : { impairment: profileLabel(impairment), seed: impairment.seed })
    }))
    if (impairment?.reorder !== undefined && choice._tag === "Interleaved") {
      yield* Effect.logInfo("impairment: reorder over TCP interleaved is done by the server inside the stream; a real TCP path never reorders").pipe(
        Effect.annotateLogs({ session: session.id, peer: session.peer })
      )
    }
    return setupReply(ctx, entry)
  })

/** Impairments apply to a file session's own packets; a published path's viewers and multicast groups have none yet (asked for: 400). */
const fileSessionsOnly = (impairment: ImpairmentProfile | undefined) =>
  impairment === undefined
    ? Effect.void
    : Effect.fail(new BadImpairment({ message: "impairments apply to unicast sessions of a file, not yet to published paths or multicast" }))

const setupReply = (ctx: ServerContext, entry: SessionEntry): Reply =>
  ok([["Session", sessionHeaderValue(ctx, entry)], ["Transport", transportReply(ctx, entry.session)]], { sessionId: entry.session.id })

/**
 * PLAY on a live channel joins it at the next frame due, whatever the Range: a live stream
 * cannot seek, and RFC 2326 lets the server answer with the range it plays (npt=now-), which
 * ffmpeg and GStreamer accept. A malformed Range is still refused. A second PLAY while playing
 * changes nothing.
 */
const playLive = (ctx: ServerContext, req: RtspRequest, entry: SessionEntry<FileSession>) =>
  Effect.gen(function* () {
    const { session } = entry
    const rangeHeader = getHeader(req.headers, "Range")
    const range = rangeHeader === undefined ? undefined : parseRange(rangeHeader)
    if (range !== undefined && Either.isLeft(range)) return yield* new MalformedHeader({ header: "Range", message: range.left.message })
    if (yield* isStreaming(ctx, session.id)) return ok(playHeaders(ctx, entry), { sessionId: session.id })
    session.nextFrame = liveJoinFrame(ctx.live.epochMillis, ctx.clock.unsafeCurrentTimeMillis(), session.media.fps)
    session.state = "playing"
    yield* impairmentPlaying(ctx, entry)
    return ok(playHeaders(ctx, entry), { sessionId: session.id, after: startStream(ctx, session, entry.sink) })
  })

const play = (ctx: ServerContext, req: RtspRequest, entry: SessionEntry<FileSession>) =>
  Effect.gen(function* () {
    const { session } = entry
    if (session.transport._tag === "Multicast") return yield* playMemberReply(ctx, req, entry)
    if (isLive(ctx, session.media)) return yield* playLive(ctx, req, entry)
    const frameCount = session.media.file.frames.length
    const rangeHeader = getHeader(req.headers, "Range")
    let seekTo: number | undefined
    if (rangeHeader !== undefined) {
      const range = parseRange(rangeHeader)
      if (Either.isLeft(range)) return yield* new MalformedHeader({ header: "Range", message: range.left.message })
      if (range.right._tag !== "Npt") return yield* new UnsupportedRangeUnit({ unit: range.right.unit })
      const start = range.right.start
      if (typeof start === "number") {
        const durationSeconds = session.media.durationSeconds
        if (start > durationSeconds) {
          return yield* new RangeNotSatisfiable({
            start,
            durationSeconds,
            message: `range start ${start}s is past the end (${formatNptSeconds(durationSeconds)}s)`
          })
        }
        seekTo = Math.min(Math.floor(start * session.media.fps + 1e-9), frameCount - 1)
      }
    }
    const streaming = yield* isStreaming(ctx, session.id)
    if (seekTo === undefined && streaming) {
      // A second PLAY while playing: nothing changes.
      return ok(playHeaders(ctx, entry), { sessionId: session.id })
    }
    yield* stopStream(ctx, session.id)
    if (seekTo !== undefined) {
      // A seek moves within the current pass over the file; the pass count only grows, so
      // timestamps keep increasing across loops and replays after the end.
      session.nextFrame = Math.floor(session.nextFrame / frameCount) * frameCount + seekTo
    }
    session.state = "playing"
    yield* impairmentPlaying(ctx, entry)
    return ok(playHeaders(ctx, entry), { sessionId: session.id, after: startStream(ctx, session, entry.sink) })
  })

const playHeaders = (ctx: ServerContext, entry: SessionEntry<FileSession>): RtspHeaders => {
  const { session } = entry
  const position = (session.nextFrame % session.media.file.frames.length) / session.media.fps
  return [
    ["Session", sessionHeaderValue(ctx, entry)],
    ["Range", isLive(ctx, session.media) ? "npt=now-" : `npt=${formatNptSeconds(position)}-${formatNptSeconds(session.media.durationSeconds)}`],
    ["RTP-Info", formatRtpInfo([{ url: session.controlUrl, seq: session.nextSeq & 0xffff, rtptime: frameTimestamp(session, session.nextFrame) }])]
  ]
}

/**
 * PAUSE: a file session's fiber stops, a viewer leaves the fan-out, a publisher's frames are no
 * longer taken, a multicast member stops counting as a watcher.
 */
const pause = (ctx: ServerContext, entry: SessionEntry) =>
  Effect.gen(function* () {
    if (entry.session.transport._tag === "Multicast") return yield* pauseMemberReply(ctx, entry)
    if (isFileEntry(entry)) yield* stopStream(ctx, entry.session.id)
    entry.impairment?.releaseHeld()
    entry.session.state = "ready"
    return ok([["Session", sessionHeaderValue(ctx, entry)]], { sessionId: entry.session.id })
  })
