/**
 * One RTSP request in, one reply out. Checks run in a fixed order (version,
 * CSeq, method, Require, session, state table), then the method's handler.
 * Every refusal is an RtspRequestError carrying its status code.
 */
import { Effect, Either } from "effect"
import { MediaNotFound, type ServedMedia } from "../media/MediaLibrary.js"
import { getHeader, type RtspRequest } from "../protocol/rtsp/message.js"
import { formatNptSeconds, parseRange } from "../protocol/rtsp/headers/range.js"
import { formatRtpInfo } from "../protocol/rtsp/headers/rtp-info.js"
import { parseSession } from "../protocol/rtsp/headers/session.js"
import { formatTransportSpec, parseTransport, type TransportSpec } from "../protocol/rtsp/headers/transport.js"
import { buildMjpegSdp } from "../protocol/sdp.js"
import { type ConnectionState, OVERLOAD_LATENESS_MS, type ServerContext, type SessionEntry } from "./context.js"
import { badRequest, RtspRequestError, sessionNotFound } from "./errors.js"
import { parseRequestTarget, type RequestTarget } from "./requestTarget.js"
import { interleavedSink, udpSink, type PacketSink } from "./rtpSender.js"
import {
  emptyStats,
  frameTimestamp,
  newClassicSessionId,
  newStandardSessionId,
  randomUint16,
  randomUint32,
  type Session,
  type SessionTransport
} from "./session.js"
import { endSession, indexRtcpPeer, isStreaming, registerSession, startStream, stopStream, touch } from "./sessionLifecycle.js"
import { allowedIn, isSupportedMethod, SUPPORTED_METHODS, transition, type SupportedMethod } from "./stateMachine.js"

export interface Reply {
  readonly status: number
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body?: Buffer
  /** For the classic layout's third line. */
  readonly sessionId?: string
  /** Runs once the reply is written: PLAY starts streaming only after its 200 is on the wire. */
  readonly after?: Effect.Effect<void>
}

const PUBLIC = SUPPORTED_METHODS.join(", ")

const ok = (headers: ReadonlyArray<readonly [string, string]> = [], extra: Partial<Reply> = {}): Reply => ({ status: 200, headers, ...extra })

const fail = (status: number, message: string, headers?: ReadonlyArray<readonly [string, string]>) =>
  Effect.fail(new RtspRequestError({ status, message, ...(headers ? { headers } : {}) }))

const sessionHeaderValue = (ctx: ServerContext, entry: SessionEntry): string =>
  entry.session.dialect === "classic" ? entry.session.id : `${entry.session.id};timeout=${ctx.config.sessionTimeoutSeconds}`

const targetOf = (req: RtspRequest): Effect.Effect<RequestTarget, RtspRequestError> => {
  const target = parseRequestTarget(req.uri)
  return target ? Effect.succeed(target) : Effect.fail(badRequest(`cannot find a media path in ${JSON.stringify(req.uri)}`))
}

const resolveMedia = (ctx: ServerContext, target: RequestTarget, dialect: "classic" | "standard") =>
  ctx.library.resolve(target.mediaPath).pipe(
    Effect.mapError((error) =>
      error instanceof MediaNotFound
        ? new RtspRequestError({ status: 404, message: error.message })
        : new RtspRequestError({ status: 415, message: error.message })),
    Effect.filterOrFail(
      (media) => (dialect === "classic" ? media.file.classic.servable : media.file.standard.servable),
      (media) => new RtspRequestError({ status: 415, message: `${media.urlPath} cannot be served in the ${dialect} dialect (see: effect-rtsp video info)` })
    )
  )

/** The session a request names, which must belong to this connection (454 otherwise). */
const sessionOf = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest): Effect.Effect<SessionEntry | undefined, RtspRequestError> => {
  const value = getHeader(req.headers, "Session")
  if (value === undefined) return Effect.succeed(undefined)
  const parsed = parseSession(value)
  if (Either.isLeft(parsed)) return Effect.fail(badRequest(parsed.left.message))
  const id = parsed.right.id
  // Classic "Session: 0" means no session (the client's id before SETUP; our classic errors say it too),
  // so PLAY/PAUSE/TEARDOWN with it are 455 (not valid before SETUP), not 454.
  if (conn.dialect === "classic" && id === "0") return Effect.succeed(undefined)
  const entry = ctx.sessions.get(id)
  return entry && entry.connection === conn ? Effect.succeed(entry) : Effect.fail(sessionNotFound(id))
}

export const handleRequest = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest): Effect.Effect<Reply, RtspRequestError> =>
  Effect.gen(function* () {
    if (req.version !== "RTSP/1.0") return yield* fail(505, `${req.version} is not supported; this server speaks RTSP/1.0`)
    if (!isSupportedMethod(req.method)) {
      return yield* fail(501, `method ${req.method} is not implemented`, [["Public", PUBLIC], ["Allow", PUBLIC]])
    }
    const require = getHeader(req.headers, "Require")
    if (require !== undefined) return yield* fail(551, `option ${require} is not supported`, [["Unsupported", require]])
    const entry = yield* sessionOf(ctx, conn, req)
    if (entry) touch(ctx, entry)
    const method: SupportedMethod = req.method
    const state = entry?.session.state ?? "init"
    const step = transition(state, method)
    if (step._tag === "NotValidInState") {
      return yield* fail(455, `${method} is not valid in state ${state}`, [["Allow", allowedIn(state).join(", ")]])
    }
    switch (method) {
      case "OPTIONS":
        return ok([["Public", PUBLIC]])
      case "GET_PARAMETER":
        return entry ? ok([["Session", sessionHeaderValue(ctx, entry)]]) : ok()
      case "DESCRIBE":
        return yield* describe(ctx, conn, req)
      case "SETUP":
        return yield* setup(ctx, conn, req, entry)
      case "PLAY":
        return yield* play(ctx, req, entry!)
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
    const media = yield* resolveMedia(ctx, target, "standard")
    const base = target.base ?? `rtsp://${conn.socket.localAddress ?? "127.0.0.1"}:${conn.socket.localPort ?? ctx.config.port}/${target.mediaPath}/`
    const sdp = buildMjpegSdp({
      sessionId: String(Math.floor(ctx.clock.unsafeCurrentTimeMillis() / 1000)),
      host: unmapIpv4(conn.socket.localAddress ?? "0.0.0.0"),
      name: media.urlPath,
      control: "streamid=0",
      fps: media.fps,
      durationSeconds: media.durationSeconds
    })
    return ok([["Content-Base", base], ["Content-Type", "application/sdp"]], { body: Buffer.from(sdp) })
  })

export const unmapIpv4 = (address: string): string => address.startsWith("::ffff:") ? address.slice(7) : address

/** Interleaved channels already taken by the connection's other sessions. */
const channelsInUse = (ctx: ServerContext, conn: ConnectionState, except: SessionEntry | undefined): Set<number> => {
  const used = new Set<number>()
  for (const id of conn.sessionIds) {
    const t = ctx.sessions.get(id)
    if (!t || t === except || t.session.transport._tag !== "Interleaved") continue
    used.add(t.session.transport.rtpChannel).add(t.session.transport.rtcpChannel)
  }
  return used
}

/** The first transport in the client's list that this server can do. */
const chooseTransport = (
  ctx: ServerContext,
  conn: ConnectionState,
  specs: ReadonlyArray<TransportSpec>,
  existing: SessionEntry | undefined
): Effect.Effect<{ spec: TransportSpec; transport: SessionTransport }, RtspRequestError> => {
  for (const spec of specs) {
    if (spec.delivery === "multicast") continue
    if (spec.lowerTransport === "TCP") {
      const used = channelsInUse(ctx, conn, existing)
      let first = spec.interleaved?.first ?? conn.nextChannel
      let second = spec.interleaved?.last ?? first + 1
      // Channels another session of this connection already uses: answer with a free pair instead.
      if (used.has(first) || used.has(second)) {
        first = conn.nextChannel
        while (used.has(first) || used.has(first + 1)) first += 2
        second = first + 1
      }
      if (second > 255) return fail(461, "no free interleaved channel pair on this connection")
      return Effect.succeed({ spec, transport: { _tag: "Interleaved", rtpChannel: first, rtcpChannel: second } })
    }
    if (spec.clientPort !== undefined) {
      const rtpPort = spec.clientPort.first
      // The classic client gives one port and wants no RTCP.
      const rtcpPort = spec.protocol === "RTP/UDP" ? undefined : spec.clientPort.last ?? rtpPort + 1
      if (rtpPort === 0) continue
      return Effect.succeed({ spec, transport: { _tag: "Udp", address: conn.peer, rtpPort, rtcpPort } })
    }
  }
  const multicast = specs.some((s) => s.delivery === "multicast")
  return fail(461, multicast ? "multicast is not supported; use unicast UDP or TCP interleaved" : "no usable transport: give client_port for UDP or use RTP/AVP/TCP")
}

const sinkFor = (ctx: ServerContext, conn: ConnectionState, media: ServedMedia, transport: SessionTransport): PacketSink => {
  if (transport._tag === "Udp") return udpSink(ctx.rtp, ctx.rtcp, transport.address, transport.rtpPort, transport.rtcpPort)
  const largestFrame = media.file.frameBytes.max + 64 * 16
  return interleavedSink(conn.socket, transport.rtpChannel, transport.rtcpChannel, ctx.config.tcpQueueFrames * largestFrame)
}

const transportReply = (ctx: ServerContext, session: Session): string => {
  const t = session.transport
  if (t._tag === "Interleaved") {
    return formatTransportSpec({ protocol: "RTP/AVP/TCP", lowerTransport: "TCP", delivery: "unicast", interleaved: { first: t.rtpChannel, last: t.rtcpChannel }, ssrc: session.ssrc, extensions: [] })
  }
  return formatTransportSpec({
    protocol: "RTP/AVP",
    lowerTransport: "UDP",
    delivery: "unicast",
    clientPort: t.rtcpPort === undefined ? { first: t.rtpPort } : { first: t.rtpPort, last: t.rtcpPort },
    serverPort: { first: ctx.rtp.port, last: ctx.rtcp.port },
    ssrc: session.ssrc,
    extensions: []
  })
}

const setup = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest, existing: SessionEntry | undefined) =>
  Effect.gen(function* () {
    const dialect = conn.dialect ?? "standard"
    const target = yield* targetOf(req)
    const transportHeader = getHeader(req.headers, "Transport")
    if (transportHeader === undefined) return yield* fail(461, "SETUP without a Transport header")
    const specs = parseTransport(transportHeader)
    if (Either.isLeft(specs)) {
      return yield* fail(specs.left.reason === "Unsupported" ? 461 : 400, specs.left.message)
    }
    const chosen = yield* chooseTransport(ctx, conn, specs.right, existing)
    if (existing) {
      // A second SETUP in READY: same media, new transport.
      const media = existing.session.media
      existing.session.transport = chosen.transport
      existing.sink = sinkFor(ctx, conn, media, chosen.transport)
      indexRtcpPeer(ctx, existing)
      return setupReply(ctx, conn, existing)
    }
    if (ctx.sessions.size >= ctx.config.maxSessions) {
      return yield* fail(453, `the server is at its limit of ${ctx.config.maxSessions} sessions`)
    }
    if (ctx.load.latenessMs > OVERLOAD_LATENESS_MS) {
      return yield* fail(453, `the server is saturated (frames going out ${ctx.load.latenessMs.toFixed(0)} ms late on average); try again later`)
    }
    const media = yield* resolveMedia(ctx, target, dialect)
    const now = ctx.clock.unsafeCurrentTimeMillis()
    const session: Session = {
      id: dialect === "classic" ? newClassicSessionId((id) => ctx.sessions.has(id)) : newStandardSessionId(),
      dialect,
      connectionId: conn.id,
      peer: conn.peer,
      media,
      controlUrl: req.uri,
      transport: chosen.transport,
      state: "ready",
      nextFrame: 0,
      // Classic receivers expect 1, 2, 3 ...; standard sessions start at random points (RFC 3550).
      nextSeq: dialect === "classic" ? 1 : randomUint16(),
      ssrc: randomUint32(),
      timestampBase: dialect === "classic" ? 0 : randomUint32(),
      lastActivity: now,
      lastSenderReportAt: Number.NEGATIVE_INFINITY,
      stats: emptyStats()
    }
    const entry: SessionEntry = { session, sink: sinkFor(ctx, conn, media, chosen.transport), connection: conn, rtcpPeerKey: undefined, ended: false }
    if (chosen.transport._tag === "Interleaved") conn.nextChannel = Math.max(conn.nextChannel, chosen.transport.rtcpChannel + 1)
    registerSession(ctx, entry)
    yield* Effect.logInfo("session set up").pipe(Effect.annotateLogs({
      session: session.id, peer: session.peer, dialect, transport: chosen.transport._tag === "Udp" ? "udp" : "tcp", media: media.urlPath
    }))
    return setupReply(ctx, conn, entry)
  })

const setupReply = (ctx: ServerContext, _conn: ConnectionState, entry: SessionEntry): Reply =>
  ok([["Session", sessionHeaderValue(ctx, entry)], ["Transport", transportReply(ctx, entry.session)]], { sessionId: entry.session.id })

const play = (ctx: ServerContext, req: RtspRequest, entry: SessionEntry) =>
  Effect.gen(function* () {
    const { session } = entry
    const frameCount = session.media.file.frames.length
    const rangeHeader = getHeader(req.headers, "Range")
    let seekTo: number | undefined
    if (rangeHeader !== undefined) {
      const range = parseRange(rangeHeader)
      if (Either.isLeft(range)) return yield* fail(400, range.left.message)
      if (range.right._tag !== "Npt") return yield* fail(456, `only npt ranges are supported, not ${range.right.unit}`)
      const start = range.right.start
      if (typeof start === "number") {
        if (start > session.media.durationSeconds) {
          return yield* fail(457, `range start ${start}s is past the end (${formatNptSeconds(session.media.durationSeconds)}s)`)
        }
        seekTo = Math.min(Math.floor(start * session.media.fps + 1e-9), frameCount - 1)
      }
    }
    const streaming = yield* isStreaming(ctx, entry)
    if (seekTo === undefined && streaming) {
      // A second PLAY while playing: nothing changes.
      return ok(playHeaders(ctx, entry), { sessionId: session.id })
    }
    yield* stopStream(ctx, entry)
    if (seekTo !== undefined) {
      // A seek moves within the current pass over the file; the pass count only grows, so
      // timestamps keep increasing across loops and replays after the end.
      session.nextFrame = Math.floor(session.nextFrame / frameCount) * frameCount + seekTo
    }
    session.state = "playing"
    ctx.metrics.sessionState(session.id, "playing")
    return ok(playHeaders(ctx, entry), { sessionId: session.id, after: startStream(ctx, entry) })
  })

const playHeaders = (ctx: ServerContext, entry: SessionEntry): ReadonlyArray<readonly [string, string]> => {
  const { session } = entry
  const position = (session.nextFrame % session.media.file.frames.length) / session.media.fps
  return [
    ["Session", sessionHeaderValue(ctx, entry)],
    ["Range", `npt=${formatNptSeconds(position)}-${formatNptSeconds(session.media.durationSeconds)}`],
    ["RTP-Info", formatRtpInfo([{ url: session.controlUrl, seq: session.nextSeq & 0xffff, rtptime: frameTimestamp(session, session.nextFrame) }])]
  ]
}

const pause = (ctx: ServerContext, entry: SessionEntry) =>
  Effect.gen(function* () {
    yield* stopStream(ctx, entry)
    entry.session.state = "ready"
    ctx.metrics.sessionState(entry.session.id, "ready")
    return ok([["Session", sessionHeaderValue(ctx, entry)]], { sessionId: entry.session.id })
  })
