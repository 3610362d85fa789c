/**
 * The request/response checks: each opens its own connection (a server may close one after a bad
 * request, or keep state that would colour the next check) and judges one reply.
 */
import { Effect, Either, type Scope } from "effect"
import { makeUdpSocketPair } from "../../src/net/UdpSocket.js"
import { getHeader } from "../../src/protocol/rtsp/message.js"
import { parseSdp } from "../../src/protocol/sdp.js"
import { describeTracks, type TrackDescription } from "../../src/protocol/sdpTracks.js"
import type { RtspConnection, RtspResponseInfo } from "../client/RtspClient.js"
import { answered, errorText, freshConnection, statusText, type SuiteContext, tlsOf } from "./context.js"
import { rawRequest } from "./rawRequest.js"
import { fail, type Outcome, pass, skip } from "./types.js"

type Check = (ctx: SuiteContext) => Effect.Effect<Outcome, never, Scope.Scope>

/** The reply must carry exactly `code`; anything else (or no reply) fails with what came back. */
const expectStatus = (code: number, reply: Either.Either<RtspResponseInfo | { readonly status: number; readonly reason: string }, { readonly message: string }>, note?: string): Outcome => {
  const expected = statusText(code)
  if (Either.isLeft(reply)) return fail(expected, reply.left.message)
  const got = answered(reply.right.status, reply.right.reason)
  return reply.right.status === code ? pass(expected, got, note) : fail(expected, got, note)
}

/** Runs `body` on a fresh connection; a connection that cannot be opened fails the check. */
const withConnection = (ctx: SuiteContext, expected: string, body: (conn: RtspConnection) => Effect.Effect<Outcome, never, Scope.Scope>) =>
  freshConnection(ctx).pipe(
    Effect.matchEffect({ onFailure: (e) => Effect.succeed(fail(expected, `cannot connect: ${errorText(e)}`)), onSuccess: body })
  )

const REQUIRED_METHODS = ["DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN"] as const

export const optionsCheck: Check = (ctx) => {
  const expected = `200 with Public listing ${REQUIRED_METHODS.join(", ")}`
  return withConnection(ctx, expected, (conn) =>
    Effect.gen(function* () {
      const reply = yield* Effect.either(conn.request("OPTIONS", ctx.url))
      if (Either.isLeft(reply)) return fail(expected, errorText(reply.left))
      const { status, reason, headers } = reply.right
      if (status !== 200) return fail(expected, answered(status, reason))
      const publicValue = getHeader(headers, "Public")
      if (publicValue === undefined) return fail(expected, "200 without a Public header")
      const listed = new Set(publicValue.split(",").map((m) => m.trim().toUpperCase()))
      const missing = REQUIRED_METHODS.filter((m) => !listed.has(m))
      return missing.length === 0
        ? pass(expected, `200, Public: ${publicValue}`)
        : fail(expected, `200, Public: ${publicValue} (missing ${missing.join(", ")})`)
    }))
}

const trackLabel = (t: TrackDescription): string => `${t.kind} PT ${t.payloadType} ${t.encoding}/${t.clockRate}`

export const describeCheck: Check = (ctx) => {
  const expected = "200, Content-Type application/sdp, an SDP with a video track"
  return withConnection(ctx, expected, (conn) =>
    Effect.gen(function* () {
      const reply = yield* Effect.either(conn.request("DESCRIBE", ctx.url, { Accept: "application/sdp" }))
      if (Either.isLeft(reply)) return fail(expected, errorText(reply.left))
      const { status, reason, headers, body } = reply.right
      if (status !== 200) return fail(expected, answered(status, reason))
      const type = getHeader(headers, "Content-Type")
      if (type === undefined || type.split(";")[0]!.trim().toLowerCase() !== "application/sdp") {
        return fail(expected, `200 with Content-Type ${type ?? "(none)"}`)
      }
      const sdp = parseSdp(body.toString("utf8"))
      if (Either.isLeft(sdp)) return fail(expected, `the SDP does not parse: ${sdp.left.message}`)
      const tracks = describeTracks(sdp.right, getHeader(headers, "Content-Base") ?? ctx.url)
      const track = tracks.find((t) => t.kind === "video")
      if (track === undefined) {
        const media = sdp.right.media.map((m) => `${m.kind} ${m.formats.join(" ")}`).join("; ") || "none"
        return fail(expected, `no video track (m= lines: ${media})`)
      }
      const others = tracks.filter((t) => t !== track)
      const parts = [
        trackLabel(track),
        track.control === "" ? "no control" : `control ${track.control}`,
        track.framerate === undefined ? "" : `${track.framerate} fps`,
        sdp.right.range?._tag === "Npt" ? `npt=${sdp.right.range.start ?? ""}-${sdp.right.range.end ?? ""}` : "",
        others.length === 0 ? "" : `also ${others.map(trackLabel).join(", ")}`
      ].filter((s) => s !== "")
      if (getHeader(headers, "Content-Base") === undefined && getHeader(headers, "Content-Location") === undefined) {
        return pass(expected, `200 application/sdp: ${parts.join(", ")}`, "no Content-Base: control URLs resolve against the request URL")
      }
      return pass(expected, `200 application/sdp: ${parts.join(", ")}`)
    }))
}

export const playBeforeSetupCheck: Check = (ctx) =>
  withConnection(ctx, statusText(455), (conn) => conn.request("PLAY", ctx.url).pipe(Effect.either, Effect.map((r) => expectStatus(455, r))))

/** DESCRIBE + SETUP over the suite's transport, on `conn`; the error says which step failed. */
const setUpSession = (ctx: SuiteContext, conn: RtspConnection): Effect.Effect<{ readonly sessionId: string; readonly trackUrl: string }, string, Scope.Scope> =>
  Effect.gen(function* () {
    const described = yield* conn.describe(ctx.url)
    if (ctx.transport === "tcp") {
      const setup = yield* conn.setupTcp(described.trackUrl)
      return { sessionId: setup.sessionId, trackUrl: described.trackUrl }
    }
    const pair = yield* makeUdpSocketPair({ host: ctx.udpBindHost, port: 0 })
    const setup = yield* conn.setupUdp(described.trackUrl, pair.rtp.port, pair.rtcp.port)
    return { sessionId: setup.sessionId, trackUrl: described.trackUrl }
  }).pipe(Effect.mapError((e) => e.message))

export const pauseInReadyCheck: Check = (ctx) =>
  withConnection(ctx, statusText(455), (conn) =>
    Effect.gen(function* () {
      const session = yield* Effect.either(setUpSession(ctx, conn))
      if (Either.isLeft(session)) return skip(statusText(455), `needs a session in READY: ${session.left}`)
      const reply = yield* Effect.either(conn.request("PAUSE", ctx.url))
      yield* conn.request("TEARDOWN", ctx.url).pipe(Effect.ignore)
      return expectStatus(455, reply)
    }))

/** Another id of the same shape (hex stays hex, digits digits, letters letters), so only its value is wrong. */
export const otherSessionId = (id: string): string => {
  const hex = !/^[0-9]+$/.test(id) && /^[0-9a-f]+$/i.test(id)
  const upper = /[A-F]/.test(id)
  const shifted = id.replace(/[0-9a-zA-Z]/g, (c) => {
    if (c === "9") return hex ? (upper ? "A" : "a") : "0"
    if (hex && (c === "f" || c === "F")) return "0"
    if (c === "z") return "a"
    if (c === "Z") return "A"
    return String.fromCharCode(c.charCodeAt(0) + 1)
  })
  return shifted === id ? `${id}0` : shifted
}

export const unknownSessionCheck: Check = (ctx) =>
  withConnection(ctx, statusText(454), (conn) =>
    Effect.gen(function* () {
      // With a real session in READY, PLAY is valid in its state: only the id can be wrong.
      const session = yield* Effect.either(setUpSession(ctx, conn))
      const bogus = Either.isRight(session) ? otherSessionId(session.right.sessionId) : "1234567890"
      const reply = yield* Effect.either(conn.request("PLAY", ctx.url, { Session: bogus }))
      if (Either.isRight(session)) yield* conn.request("TEARDOWN", ctx.url).pipe(Effect.ignore)
      return expectStatus(454, reply, Either.isLeft(session) ? `no session could be set up (${session.left}); sent PLAY with Session: ${bogus}` : `sent PLAY with Session: ${bogus}`)
    }))

const rawLines = (lines: ReadonlyArray<string>): Buffer => Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1")

export const missingCSeqCheck: Check = (ctx) =>
  rawRequest(ctx.host, ctx.port, rawLines([`OPTIONS ${ctx.url} RTSP/1.0`, "User-Agent: effect-rtsp-harness"]), ctx.timeoutMs, tlsOf(ctx)).pipe(
    Effect.map((r) => ({ status: r.statusCode, reason: r.reason })),
    Effect.either,
    Effect.map((r) => expectStatus(400, r))
  )

export const rtsp2Check: Check = (ctx) =>
  rawRequest(ctx.host, ctx.port, rawLines([`OPTIONS ${ctx.url} RTSP/2.0`, "CSeq: 1", "User-Agent: effect-rtsp-harness"]), ctx.timeoutMs, tlsOf(ctx)).pipe(
    Effect.map((r) => ({ status: r.statusCode, reason: r.reason, version: r.version })),
    Effect.either,
    // A server that implements RTSP 2.0 (RFC 7826, e.g. gst-rtsp-server) answers it: still a FAIL for an RTSP/1.0 suite, but said so.
    Effect.map((r) =>
      expectStatus(505, r, Either.isRight(r) && r.right.status < 300 ? `the server answered in ${r.right.version}: it speaks RTSP 2.0 (RFC 7826), which this RTSP/1.0 suite does not test` : undefined)
    )
  )

/** No RTSP server carries RTP over SCTP; a server that does not know a transport must say 461. */
export const UNSUPPORTED_TRANSPORT = "RTP/AVP/SCTP;unicast"

export const unsupportedTransportCheck: Check = (ctx) =>
  withConnection(ctx, statusText(461), (conn) =>
    Effect.gen(function* () {
      const described = yield* Effect.either(conn.describe(ctx.url))
      const trackUrl = Either.isRight(described) ? described.right.trackUrl : ctx.url
      const reply = yield* Effect.either(conn.request("SETUP", trackUrl, { Transport: UNSUPPORTED_TRANSPORT }))
      if (Either.isRight(reply) && reply.right.status === 200) yield* conn.request("TEARDOWN", ctx.url).pipe(Effect.ignore)
      return expectStatus(461, reply, `sent SETUP with Transport: ${UNSUPPORTED_TRANSPORT}`)
    }))

export const unknownMethodCheck: Check = (ctx) =>
  withConnection(ctx, statusText(501), (conn) =>
    conn.request("CONFORMANCE_NO_SUCH_METHOD", ctx.url).pipe(
      Effect.either,
      Effect.map((reply) => {
        const outcome = expectStatus(501, reply)
        if (outcome.status !== "PASS" || Either.isLeft(reply)) return outcome
        const allowed = getHeader(reply.right.headers, "Public") ?? getHeader(reply.right.headers, "Allow")
        return allowed === undefined ? { ...outcome, detail: "no Public or Allow header with the 501" } : { ...outcome, actual: `${outcome.actual} (Public: ${allowed})` }
      })
    ))

