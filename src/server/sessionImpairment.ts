/**
 * Impairments on the server's side (issue 13). Which profile a request asks for: its URL's query
 * (`?impair=lossy-wifi`, `?loss=2%&seed=7`), else the one a DESCRIBE of the same path on this
 * connection asked for (players build SETUP's URL from Content-Base and the track's control, so
 * the query does not come back), else the server's `impair` for every session. And a session's
 * impaired sink: its record, its release fiber (ctx.streams, `impair:<id>`), its stats reply.
 */
import { Effect, Either, FiberMap } from "effect"
import { formatImpairmentStats, IMPAIRMENT_STATS_PARAMETER, NO_IMPAIRMENT } from "../impair/impairmentStats.js"
import type { ImpairmentProfile } from "../impair/profile.js"
import { parseImpairmentQuery } from "../impair/profileParse.js"
import type { RequestTarget } from "../protocol/rtsp/requestTarget.js"
import type { ConnectionState, ServerContext, SessionEntry } from "./context.js"
import { BadImpairment } from "./errors.js"
import { makeImpairedSink } from "./impairedSink.js"
import { ok, type Reply, sessionHeaderValue } from "./reply.js"

/** The RTSP-side knobs, which this server does not carry out yet: a profile with one is refused rather than half applied. */
const NOT_YET: ReadonlyArray<readonly [keyof ImpairmentProfile, string]> = [
  ["closeAfterMs", "close-after"],
  ["replyDelayMs", "reply-delay"],
  ["answer", "answer"],
  ["freezeAfterMs", "freeze-after"],
  ["resetSequenceAfterMs", "reset-seq-after"],
  ["resetTimestampAfterMs", "reset-ts-after"]
]

/** Why this server cannot carry out `profile` yet, if it cannot. */
export const unsupportedKnobs = (profile: ImpairmentProfile): string | undefined => {
  const knobs = NOT_YET.filter(([field]) => profile[field] !== undefined).map(([, knob]) => knob)
  if (knobs.length === 0) return undefined
  const what = profile.name === undefined ? "this impairment" : `profile ${profile.name}`
  return `${what} needs ${knobs.join(", ")}, which this server does not do yet (packet knobs only: loss, burst, delay, jitter, reorder, dup, bandwidth, frame-drop)`
}

/**
 * The profile this request asks for itself (its query, or its path's DESCRIBE on this
 * connection), or why its query is not one (400, the reason in the body). The server's profile
 * for every session (`ctx.impairEvery`) is the caller's fallback.
 */
export const askedImpairment = (ctx: ServerContext, conn: ConnectionState, target: RequestTarget): Effect.Effect<ImpairmentProfile | undefined, BadImpairment> => {
  const parsed = target.query === undefined ? Either.right(undefined) : parseImpairmentQuery(target.query, ctx.impairmentProfiles)
  if (Either.isLeft(parsed)) return Effect.fail(new BadImpairment({ message: parsed.left.message }))
  const unsupported = parsed.right === undefined ? undefined : unsupportedKnobs(parsed.right)
  if (unsupported !== undefined) return Effect.fail(new BadImpairment({ message: unsupported }))
  if (parsed.right !== undefined) conn.impairments.set(target.mediaPath, parsed.right)
  return Effect.succeed(parsed.right ?? conn.impairments.get(target.mediaPath))
}

const releaseKey = (sessionId: string): string => `impair:${sessionId}`

/** Puts the profile between the session and its sink, and starts sending what it delays. */
export const impairSession = (ctx: ServerContext, entry: SessionEntry, profile: ImpairmentProfile): Effect.Effect<void> => {
  const impaired = makeImpairedSink(entry.sink, profile, ctx.clock)
  entry.sink = impaired.sink
  entry.impairment = impaired
  return FiberMap.run(ctx.streams, releaseKey(entry.session.id), impaired.releaseLoop).pipe(Effect.asVoid)
}

/** The session is over: its delayed packets are dropped with it, and its record is what the log says. */
export const endImpairment = (ctx: ServerContext, entry: SessionEntry): Effect.Effect<Record<string, string | number>> =>
  Effect.gen(function* () {
    const impaired = entry.impairment
    if (impaired === undefined) return {}
    yield* FiberMap.remove(ctx.streams, releaseKey(entry.session.id))
    const { record, profile } = impaired
    const dropped = Object.entries(record.dropped).filter(([, n]) => n > 0).map(([why, n]) => `${why} ${n}`).join(", ") || "none"
    return { impairment: profile.name ?? "inline", seed: profile.seed, impairedPackets: record.packets, dropped, duplicated: record.duplicated, reordered: record.reordered }
  })

/** Whether GET_PARAMETER's body asks for the impairment record. */
export const asksForImpairmentStats = (body: Buffer): boolean =>
  body.toString("utf8").split(/\r?\n/).some((line) => line.trim().toLowerCase() === IMPAIRMENT_STATS_PARAMETER)

/** GET_PARAMETER impairment-stats: the record as text/parameters; `profile: none` for a session left alone. */
export const impairmentStatsReply = (ctx: ServerContext, entry: SessionEntry): Reply => {
  const impaired = entry.impairment
  const body = impaired === undefined
    ? `profile: ${NO_IMPAIRMENT}\r\n`
    : formatImpairmentStats({ profile: impaired.profile.name ?? "inline", seed: impaired.profile.seed, record: impaired.record })
  return ok([["Session", sessionHeaderValue(ctx, entry)], ["Content-Type", "text/parameters"]], { body: Buffer.from(body) })
}
