/**
 * Grades one classic lab server: connect, one session as the lab client runs it (gradeSession.ts),
 * then every check judged from what it saw (judge.ts). Never fails: an unreachable server, a wrong
 * URL or a defect in the grader become FAILs that say so, and every wait is bounded by the timeout.
 */
import { Cause, Effect, Either } from "effect"
import { classicTarget } from "../../../src/protocol/rtsp/classic.js"
import { DEFAULT_TIMEOUT_MS } from "../../client/RtspClient.js"
import { parseRtspUrl } from "../../client/credentials.js"
import { elapsedSince } from "../context.js"
import { DEFAULT_PLAY_SECONDS } from "../runConformance.js"
import { fail, pass, type CheckResult, type Outcome, type TimedOutcome } from "../types.js"
import { CLASSIC_CHECKS, type ClassicCheckId, LAB_FPS } from "./catalog.js"
import { recordSession } from "./gradeSession.js"
import { type Judged, judgeSession } from "./judge.js"
import { connectLab } from "./labConnection.js"
import { captureRtp } from "./rtpCapture.js"
import { isFullScore, scoreOf } from "./score.js"
import type { ClassicGradeOptions, ClassicMeasurements, ClassicReport } from "./types.js"

const URL_EXPECTED = "an rtsp://host[:port]/<file> URL"

/** The host, port and bare file name to grade, or why the URL cannot be graded. */
const targetOf = (url: string): Either.Either<{ readonly host: string; readonly port: number; readonly file: string; readonly url: string }, string> => {
  const parsed = parseRtspUrl(url)
  if (parsed === undefined) return Either.left(`not an rtsp:// URL: ${url}`)
  const file = classicTarget(parsed.url)
  if (file === "") return Either.left(`the URL names no file (rtsp://${parsed.host}:${parsed.port}/<file>, e.g. movie.Mjpeg)`)
  return Either.right({ host: parsed.host, port: parsed.port, file, url: parsed.url })
}

/** Outcomes so far: `connect` first, then what the judgements gave. */
const outcomesOf = (entries: ReadonlyArray<readonly [ClassicCheckId, TimedOutcome]>): ReadonlyMap<ClassicCheckId, TimedOutcome> => new Map(entries)

interface Graded {
  readonly outcomes: ReadonlyMap<ClassicCheckId, TimedOutcome>
  readonly measurements?: ClassicMeasurements
  /** Why the checks that have no outcome did not run. */
  readonly notRun: string
  readonly unreachable?: string
}

const gradeReachable = (target: { readonly host: string; readonly port: number; readonly file: string }, options: Required<ClassicGradeOptions>): Effect.Effect<Graded> =>
  Effect.gen(function* () {
    const expected = `TCP connection to ${target.host}:${target.port}`
    const started = performance.now()
    const conn = yield* Effect.either(connectLab(target.host, target.port, options.timeoutMs))
    if (Either.isLeft(conn)) {
      const why = conn.left.message
      return { outcomes: outcomesOf([["connect", { ...fail(expected, why), elapsedMs: elapsedSince(started) }]]), notRun: `not run: no connection (${why})`, unreachable: why }
    }
    const connected: TimedOutcome = { ...pass(expected, `connected in ${Math.round(performance.now() - started)} ms`), elapsedMs: elapsedSince(started) }
    const capture = yield* Effect.either(captureRtp(conn.right.localAddress))
    if (Either.isLeft(capture)) {
      const why = `cannot bind a UDP port on ${conn.right.localAddress}: ${capture.left.message}`
      return { outcomes: outcomesOf([["connect", connected]]), notRun: `not run: ${why}` }
    }
    const record = yield* recordSession(conn.right, capture.right, {
      file: target.file,
      timeoutMs: options.timeoutMs,
      playMs: options.playSeconds * 1000
    })
    const judged: Judged = yield* judgeSession(record, options)
    return { outcomes: outcomesOf([["connect", connected], ...judged.outcomes]), measurements: judged.measurements, notRun: "not run" }
  }).pipe(Effect.scoped)

export const runClassicGrade = (url: string, options: ClassicGradeOptions = {}): Effect.Effect<ClassicReport> =>
  Effect.gen(function* () {
    const resolved: Required<ClassicGradeOptions> = {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      playSeconds: Math.max(0.5, options.playSeconds ?? DEFAULT_PLAY_SECONDS),
      fps: options.fps ?? LAB_FPS
    }
    const target = targetOf(url)
    const graded: Graded = Either.isLeft(target)
      ? { outcomes: outcomesOf([["connect", { ...fail(URL_EXPECTED, target.left), elapsedMs: 0 }]]), notRun: `not run: ${target.left}`, unreachable: target.left }
      : yield* gradeReachable(target.right, resolved).pipe(
        Effect.catchAllCause((cause) => Effect.succeed<Graded>({ outcomes: outcomesOf([]), notRun: `internal error: ${Cause.pretty(cause)}` }))
      )
    const checks: ReadonlyArray<CheckResult> = CLASSIC_CHECKS.map(({ id, name }) => {
      const outcome: TimedOutcome = graded.outcomes.get(id) ?? { ...notRunOutcome(graded.notRun), elapsedMs: 0 }
      return { id, name, ...outcome }
    })
    const score = scoreOf(checks)
    const failed = checks.filter((c) => c.status === "FAIL").length
    return {
      url: Either.isRight(target) ? target.right.url : url,
      dialect: "classic",
      checks,
      passed: score.passed,
      failed,
      skipped: checks.length - score.passed - failed,
      ok: isFullScore(score),
      score,
      fps: resolved.fps,
      ...(graded.measurements === undefined ? {} : { measurements: graded.measurements }),
      ...(graded.unreachable === undefined ? {} : { unreachable: graded.unreachable })
    }
  })

const notRunOutcome = (why: string): Outcome => fail("an earlier step to succeed", why)
