/**
 * One session as a student clicks through the lab client: SETUP, PLAY, watch, PAUSE, watch that it
 * stops, PLAY again, watch, TEARDOWN, watch that it stops. Requests are the client's exact bytes
 * with CSeq 1, 2, 3 ...; the Session sent is the one the SETUP reply named. A request that gets no
 * reply at all ends the session there (what follows would be guesswork); a wrong reply does not,
 * so each later step is still graded. Never fails: everything seen goes into the SessionRecord.
 */
import { Effect, Either } from "effect"
import { pollUntil } from "../capture.js"
import { sleepMs } from "../context.js"
import { MIN_RESUME_WATCH_MS, SETUP_TO_PLAY_MS, STOP_GRACE_MS, STOP_OBSERVE_MS } from "./catalog.js"
import { findSessionLine, labSessionRequest, labSetupRequest } from "./labClient.js"
import type { LabConnection, RawReply } from "./labConnection.js"
import type { RtpCapture } from "./rtpCapture.js"
import { type ExchangeRecord, type SessionRecord, sessionMethodOf, type Step } from "./sessionRecord.js"

export interface SessionPlan {
  readonly file: string
  readonly timeoutMs: number
  /** How long to watch the first PLAY. */
  readonly playMs: number
}

/** Before SETUP the lab client's session id is 0, and it sends what it has. */
const NO_SESSION = "0"

export const recordSession = (conn: LabConnection, capture: RtpCapture, plan: SessionPlan): Effect.Effect<SessionRecord> =>
  Effect.gen(function* () {
    const exchanges: Array<ExchangeRecord> = []
    let session = NO_SESSION

    /** Sends one request; the reply, or undefined when none came (recorded either way). */
    const send = (step: Step, build: (cseq: number) => Buffer): Effect.Effect<RawReply | undefined> =>
      Effect.gen(function* () {
        settleStray()
        // The lab client counts CSeq from 1, one per request.
        const cseq = exchanges.length + 1
        const request = build(cseq)
        const sentAtMs = performance.now()
        const result = yield* Effect.either(conn.exchange(request))
        const base = { step, cseq, request: request.toString("latin1"), sentAtMs, strayBytesAfter: 0 }
        exchanges.push(Either.isRight(result) ? { ...base, reply: result.right } : { ...base, failure: result.left.message })
        return Either.getOrUndefined(result)
      })
    /** Bytes that came after the last reply belong to it. */
    const settleStray = (): void => {
      const last = exchanges[exchanges.length - 1]
      const stray = conn.takeStrayBytes()
      if (last !== undefined && stray > 0) exchanges[exchanges.length - 1] = { ...last, strayBytesAfter: last.strayBytesAfter + stray }
    }
    const sessionRequest = (step: Exclude<Step, "SETUP">) => (cseq: number): Buffer => labSessionRequest(sessionMethodOf(step), plan.file, cseq, session)
    const flowSince = (sinceMs: number) => () => capture.datagrams.some((d) => d.arrivalMs >= sinceMs)

    const flow = Effect.gen(function* () {
      const setup = yield* send("SETUP", (cseq) => labSetupRequest(plan.file, cseq, capture.port))
      if (setup === undefined) return
      session = findSessionLine(setup.text)?.value ?? NO_SESSION
      yield* sleepMs(SETUP_TO_PLAY_MS)

      const play = yield* send("PLAY", sessionRequest("PLAY"))
      if (play === undefined) return
      yield* pollUntil(flowSince(play.sentAtMs), plan.timeoutMs)
      yield* sleepMs(play.sentAtMs + plan.playMs - performance.now())

      if ((yield* send("PAUSE", sessionRequest("PAUSE"))) === undefined) return
      yield* sleepMs(STOP_GRACE_MS + STOP_OBSERVE_MS)

      const resume = yield* send("PLAY after PAUSE", sessionRequest("PLAY after PAUSE"))
      if (resume === undefined) return
      yield* pollUntil(flowSince(resume.sentAtMs), plan.timeoutMs)
      yield* sleepMs(resume.sentAtMs + Math.max(MIN_RESUME_WATCH_MS, plan.playMs / 2) - performance.now())

      if ((yield* send("TEARDOWN", sessionRequest("TEARDOWN"))) === undefined) return
      yield* sleepMs(STOP_GRACE_MS + STOP_OBSERVE_MS)
    })
    yield* flow
    settleStray()
    const closedAt = conn.closedByServerAt()
    return {
      file: plan.file,
      rtpPort: capture.port,
      exchanges,
      datagrams: capture.datagrams.slice(),
      overflow: capture.overflow(),
      endedAtMs: performance.now(),
      ...(closedAt === undefined ? {} : { closedByServerAtMs: closedAt })
    }
  })
