/**
 * Impairments on the server's side (issue 13). Which profile a request asks for: its URL's query
 * (`?impair=lossy-wifi`, `?loss=2%&seed=7`), else the one a DESCRIBE of the same path on this
 * connection asked for (players build SETUP's URL from Content-Base and the track's control, so
 * the query does not come back), else the server's `impair` for every session. And a session's
 * impaired sink: its record, its close-after timer (ctx.streams, `impair-close:<id>`), its stats reply.
 */
import { Effect, Either, FiberMap } from "effect"
import { formatImpairmentStats, IMPAIRMENT_STATS_PARAMETER, NO_IMPAIRMENT } from "../impair/impairmentStats.js"
import type { ImpairmentProfile } from "../impair/profile.js"
import type { ImpairmentRecord } from "../impair/packetPlan.js"
import { profileLabel } from "./impairmentTally.js"
import { parseImpairmentQuery } from "../impair/profileParse.js"
import { getHeader, type RtspRequest } from "../protocol/rtsp/message.js"
import { parseSession } from "../protocol/rtsp/headers/session.js"
import { parseRequestTarget, type RequestTarget } from "../protocol/rtsp/requestTarget.js"
import { formatAnswer } from "../impair/knobValues.js"
import type { ConnectionState, ServerContext, SessionEntry } from "./context.js"
import { BadImpairment } from "./errors.js"
import { makeImpairedSink } from "./impairedSink.js"
import { ok, type Reply, sessionHeaderValue } from "./reply.js"

/**
 * The profile this request asks for itself (its query, or its path's DESCRIBE on this
 * connection), or why its query is not one (400, the reason in the body). The server's profile
 * for every session (`ctx.impairEvery`) is the caller's fallback.
 */
export const askedImpairment = (ctx: ServerContext, conn: ConnectionState, target: RequestTarget): Effect.Effect<ImpairmentProfile | undefined, BadImpairment> => {
  const parsed = target.query === undefined ? Either.right(undefined) : parseImpairmentQuery(target.query, ctx.impairmentProfiles)
  if (Either.isLeft(parsed)) return Effect.fail(new BadImpairment({ message: parsed.left.message }))
  if (parsed.right !== undefined) conn.impairments.set(target.mediaPath, parsed.right)
  return Effect.succeed(parsed.right ?? conn.impairments.get(target.mediaPath))
}

const closeKey = (sessionId: string): string => `impair-close:${sessionId}`

/**
 * The profile a request is under, for the RTSP-side knobs (reply-delay, answer): its session's,
 * else its own query's, else its path's DESCRIBE's on this connection, else the server's for
 * every session. A bad query is no profile here: the handler refuses it.
 */
export const requestImpairment = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest): ImpairmentProfile | undefined => {
  const sessionHeader = getHeader(req.headers, "Session")
  const sessionId = sessionHeader === undefined ? undefined : Either.getOrUndefined(parseSession(sessionHeader))?.id
  const entry = sessionId === undefined ? undefined : ctx.sessions.get(sessionId)
  if (entry !== undefined && entry.connection === conn) return entry.impairment?.profile
  const target = parseRequestTarget(req.uri)
  if (target === undefined) return ctx.impairEvery
  const { query, mediaPath } = target
  const asked = query === undefined ? undefined : Either.getOrUndefined(parseImpairmentQuery(query, ctx.impairmentProfiles))
  return asked ?? conn.impairments.get(mediaPath) ?? ctx.impairEvery
}

/** answer=METHOD:STATUS: the reply this request gets instead of being handled, when the profile says so. */
export const answeredByImpairment = (profile: ImpairmentProfile | undefined, method: string): Reply | undefined => {
  const answer = profile?.answer
  if (answer === undefined || answer.method !== method) return undefined
  const what = profile?.name === undefined ? "an impairment" : `impairment profile ${profile.name}`
  return {
    status: answer.status,
    headers: [["Content-Type", "text/plain"]],
    body: Buffer.from(`${method} answered ${answer.status} by ${what} (answer=${formatAnswer(answer)})\r\n`)
  }
}

/**
 * The session's first PLAY: freeze-after and the restarts count from now, and close-after's
 * timer starts (once: a later PLAY does not move it). Closing the socket ends the connection,
 * and with it every session on it, as a network that gives up would.
 */
export const impairmentPlaying = (ctx: ServerContext, entry: SessionEntry): Effect.Effect<void> => {
  const impaired = entry.impairment
  if (impaired === undefined) return Effect.void
  impaired.playing(ctx.clock.unsafeCurrentTimeMillis())
  const closeAfterMs = impaired.profile.closeAfterMs
  if (closeAfterMs === undefined) return Effect.void
  const socket = entry.connection.socket
  const close = Effect.sleep(closeAfterMs).pipe(
    Effect.zipRight(Effect.logInfo(`impairment: closing the connection ${closeAfterMs} ms after PLAY (close-after)`).pipe(
      Effect.annotateLogs({ session: entry.session.id, peer: entry.session.peer })
    )),
    Effect.zipRight(Effect.sync(() => {
      ctx.impairmentTally.action(impaired.profile, "close")
      socket.destroy()
    }))
  )
  return FiberMap.run(ctx.streams, closeKey(entry.session.id), close, { onlyIfMissing: true }).pipe(Effect.asVoid)
}

/** Puts the profile between the session and its sink; the server's releaser sends what it delays. */
export const impairSession = (ctx: ServerContext, entry: SessionEntry, profile: ImpairmentProfile): void => {
  const impaired = makeImpairedSink(entry.sink, profile, ctx.clock, ctx.impairmentReleaser)
  entry.sink = impaired.sink
  entry.impairment = impaired
}

/** The session is over: its delayed packets are dropped with it, and its record is what the log says. */
export const endImpairment = (ctx: ServerContext, entry: SessionEntry): Effect.Effect<Record<string, string | number>> =>
  Effect.gen(function* () {
    const impaired = entry.impairment
    if (impaired === undefined) return {}
    ctx.impairmentReleaser.forget(impaired.releasable)
    yield* FiberMap.remove(ctx.streams, closeKey(entry.session.id))
    const { record, profile } = impaired
    // Once: endSession runs once per session (entry.ended), and the record stops here.
    ctx.impairmentTally.sessionEnded(profile, record)
    const dropped = Object.entries(record.dropped).filter(([, n]) => n > 0).map(([why, n]) => `${why} ${n}`).join(", ") || "none"
    return {
      impairment: profileLabel(profile),
      seed: profile.seed,
      impairedPackets: record.packets,
      dropped,
      duplicated: record.duplicated,
      reordered: record.reordered,
      framesBroken: record.framesBroken,
      ...(record.sequenceResets + record.timestampResets === 0 ? {} : { sequenceResets: record.sequenceResets, timestampResets: record.timestampResets })
    }
  })

/** The live sessions' impairments, for the tally's reading. */
export function* liveImpairments(entries: Iterable<SessionEntry>): Iterable<{ readonly profile: ImpairmentProfile; readonly record: ImpairmentRecord }> {
  for (const entry of entries) if (entry.impairment !== undefined && !entry.ended) yield entry.impairment
}

/** Whether GET_PARAMETER's body asks for the impairment record. */
export const asksForImpairmentStats = (body: Buffer): boolean =>
  body.toString("utf8").split(/\r?\n/).some((line) => line.trim().toLowerCase() === IMPAIRMENT_STATS_PARAMETER)

/** GET_PARAMETER impairment-stats: the record as text/parameters; `profile: none` for a session left alone. */
export const impairmentStatsReply = (ctx: ServerContext, entry: SessionEntry): Reply => {
  const impaired = entry.impairment
  const body = impaired === undefined
    ? `profile: ${NO_IMPAIRMENT}\r\n`
    : formatImpairmentStats({ profile: profileLabel(impaired.profile), seed: impaired.profile.seed, record: impaired.record })
  return ok([["Session", sessionHeaderValue(ctx, entry)], ["Content-Type", "text/parameters"]], { body: Buffer.from(body) })
}
