/**
 * The end of a session against the server's record (issue 13): ask for the record; when there
 * is one, PAUSE (so the server decides no more packets), wait out what it still delays, and set
 * the harness's figures beside the final record. Run before TEARDOWN, which ends the record
 * with the session. Its requests are scripted (raw) ones: a scenario's `statuses` leave them out.
 */
import { Effect } from "effect"
import { NO_IMPAIRMENT } from "../../src/impair/impairmentStats.js"
import type { ClientSession } from "../session/types.js"
import { type Agreement, agreementOf } from "./agreement.js"
import { awaitDrained, type DrainOutcome } from "./drain.js"
import { askServerRecord, type ServerRecord } from "./serverRecord.js"

/** Plain data (a worker thread posts it as is). */
export interface ImpairmentCheck {
  /** What the client asked for (--impair, a scenario client's impair); absent: nothing (the server may impair every session). */
  readonly asked?: string
  readonly serverRecord: ServerRecord
  /** Absent when there is no record, or the record says the session was left alone. */
  readonly agreement?: Agreement
  /** The wait for delayed packets after PAUSE. */
  readonly drain?: DrainOutcome
  /** The PAUSE was refused, or did not come back: the stream may have gone on meanwhile. */
  readonly pauseProblem?: string
}

type CheckedSession = Pick<ClientSession, "raw" | "live">

const pauseFirst = (session: CheckedSession): Effect.Effect<string | undefined> =>
  session.live().state !== "playing"
    ? Effect.succeed(undefined)
    : session.raw({ method: "PAUSE" }).pipe(
      Effect.map((reply) => (reply.status >= 200 && reply.status <= 299 ? undefined : `PAUSE answered ${reply.status} ${reply.reason}`)),
      Effect.catchAll((error) => Effect.succeed(`PAUSE: ${error.message}`))
    )

/**
 * Asks first, while the stream goes on: a server without a record, or one that left the session
 * alone, is done with in one request. Otherwise PAUSE, ask again (every packet is decided now,
 * so its largest delay is final), wait out the delayed packets, and ask for the final record.
 */
export const checkAgainstServerRecord = (session: CheckedSession, asked: string | undefined): Effect.Effect<ImpairmentCheck> =>
  Effect.gen(function* () {
    const askedPart = asked === undefined ? {} : { asked }
    const probe = yield* askServerRecord(session)
    if (!probe.offered || probe.stats.profile === NO_IMPAIRMENT) return { ...askedPart, serverRecord: probe }
    const pauseProblem = yield* pauseFirst(session)
    const paused = yield* askServerRecord(session)
    const decided = paused.offered ? paused : probe
    const drain = yield* awaitDrained(() => session.live().rtp.packetsReceived, decided.stats.record.delay.maxMs)
    const final = yield* askServerRecord(session)
    // A record that went away meanwhile (the connection closed) is still the last one it was.
    const serverRecord = final.offered ? final : decided
    return {
      ...askedPart,
      serverRecord,
      agreement: agreementOf(session.live().rtp, serverRecord.stats.record),
      drain,
      ...(pauseProblem === undefined ? {} : { pauseProblem })
    }
  })

/** The classic dialect has no GET_PARAMETER: nothing is asked. */
export const classicCheck = (asked: string | undefined): ImpairmentCheck => ({
  ...(asked === undefined ? {} : { asked }),
  serverRecord: { offered: false, reason: "the classic dialect has no GET_PARAMETER" }
})
