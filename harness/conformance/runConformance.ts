/**
 * Runs the suite: a connect check first (nothing else can run without it), then the request
 * checks, each on a connection of its own, then the streaming session, then the end-of-stream
 * BYE. Never fails: a server that cannot be reached, answers wrongly or not at all yields FAILs
 * with expected vs actual; every wait is bounded by the options' timeout.
 */
import { Cause, Duration, Effect, type Scope } from "effect"
import { connect, type ConnectOptions, DEFAULT_TIMEOUT_MS } from "../client/RtspClient.js"
import { parseRtspUrl } from "../client/credentials.js"
import { CHECKS, type CheckId } from "./catalog.js"
import { bindHostFor, elapsedSince, errorText, type SuiteContext } from "./context.js"
import { byeAtEndCheck } from "./endOfStream.js"
import {
  describeCheck,
  missingCSeqCheck,
  optionsCheck,
  pauseInReadyCheck,
  playBeforeSetupCheck,
  rtsp2Check,
  unknownMethodCheck,
  unknownSessionCheck,
  unsupportedTransportCheck
} from "./requestChecks.js"
import { runSessionFlow, SESSION_CHECKS } from "./sessionFlow.js"
import { AUTH_CHECK_BODIES, AUTH_CHECKS, type AuthCheckId } from "./authChecks.js"
import type { CheckResult, ConformanceOptions, ConformanceReport, Outcome, TimedOutcome } from "./types.js"
import { fail, pass } from "./types.js"

export const DEFAULT_PLAY_SECONDS = 2

const REQUEST_CHECKS: ReadonlyArray<readonly [CheckId, (ctx: SuiteContext) => Effect.Effect<Outcome, never, Scope.Scope>]> = [
  ["options", optionsCheck],
  ["describe", describeCheck],
  ["state-play-before-setup", playBeforeSetupCheck],
  ["state-pause-in-ready", pauseInReadyCheck],
  ["session-unknown", unknownSessionCheck],
  ["cseq-missing", missingCSeqCheck],
  ["transport-unsupported", unsupportedTransportCheck],
  ["method-unknown", unknownMethodCheck],
  ["version-rtsp2", rtsp2Check]
]
/** A request check makes at most this many exchanges (connect, DESCRIBE, SETUP, the request, TEARDOWN) and a bit. */
const REQUEST_CHECK_EXCHANGES = 6

const COMPLETES = "the check to complete"

/** Scoped, timed, and total: a defect or an overrun becomes a FAIL of this check only. */
const runCheck = (body: Effect.Effect<Outcome, never, Scope.Scope>, guardMs?: number): Effect.Effect<TimedOutcome> =>
  Effect.gen(function* () {
    const started = performance.now()
    const scoped = Effect.scoped(body)
    const guarded = guardMs === undefined ? scoped : scoped.pipe(
      Effect.timeoutTo({
        duration: Duration.millis(guardMs),
        onSuccess: (o): Outcome => o,
        onTimeout: (): Outcome => fail(COMPLETES, `did not finish in ${guardMs} ms`)
      })
    )
    const outcome = yield* guarded.pipe(
      Effect.catchAllCause((cause) => Effect.succeed(fail(COMPLETES, `internal error: ${Cause.pretty(cause)}`)))
    )
    return { ...outcome, elapsedMs: elapsedSince(started) }
  })

const hasMediaPath = (url: string): boolean => {
  try {
    return new URL(url).pathname.replace(/\//g, "") !== ""
  } catch {
    return false
  }
}

const connectCheck = (url: string, options: ConnectOptions, target: { host: string; port: number } | undefined): Effect.Effect<Outcome, never, Scope.Scope> => {
  if (target === undefined) return Effect.succeed(fail("an rtsp://host[:port]/path URL", `not an rtsp:// URL: ${url}`))
  const expected = `TCP connection to ${target.host}:${target.port}`
  if (!hasMediaPath(url)) return Effect.succeed(fail(expected, `the URL names no media (rtsp://${target.host}:${target.port}/<path>)`))
  const started = performance.now()
  return connect(url, options).pipe(
    Effect.match({
      onFailure: (e) => fail(expected, errorText(e)),
      onSuccess: () => pass(expected, `connected in ${Math.round(performance.now() - started)} ms`)
    })
  )
}

export const summarize = (url: string, checks: ReadonlyArray<CheckResult>): ConformanceReport => {
  const count = (status: CheckResult["status"]) => checks.filter((c) => c.status === status).length
  const failed = count("FAIL")
  return { url, checks, passed: count("PASS"), failed, skipped: count("SKIP"), ok: failed === 0 }
}

export const runConformance = (url: string, options: ConformanceOptions = {}): Effect.Effect<ConformanceReport> =>
  Effect.gen(function* () {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const target = parseRtspUrl(url)
    const cleanUrl = target?.url ?? url
    const connectOptions: ConnectOptions = {
      timeoutMs,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.insecure === undefined ? {} : { insecure: options.insecure })
    }
    const results = new Map<CheckId | AuthCheckId, TimedOutcome>()
    const connected = yield* runCheck(connectCheck(url, connectOptions, target), timeoutMs * 2)
    results.set("connect", connected)

    if (connected.status === "PASS" && target !== undefined) {
      const ctx: SuiteContext = {
        url: cleanUrl,
        host: target.host,
        port: target.port,
        transport: options.transport ?? "udp",
        timeoutMs,
        playMs: Math.max(0.2, options.playSeconds ?? DEFAULT_PLAY_SECONDS) * 1000,
        waitForEnd: options.waitForEnd ?? false,
        connectOptions,
        udpBindHost: bindHostFor(target.host)
      }
      for (const [id, check] of REQUEST_CHECKS) results.set(id, yield* runCheck(check(ctx), timeoutMs * REQUEST_CHECK_EXCHANGES + 1000))
      if (options.username !== undefined) {
        const suite = { username: options.username, password: options.password ?? "", ...(options.staleAfterSeconds === undefined ? {} : { staleAfterSeconds: options.staleAfterSeconds }) }
        const guardMs = timeoutMs * REQUEST_CHECK_EXCHANGES + (options.staleAfterSeconds ?? 0) * 1000 + 1000
        for (const [id, check] of AUTH_CHECK_BODIES) results.set(id, yield* runCheck(check(ctx, suite), guardMs))
      }
      const session = yield* runSessionFlow(ctx).pipe(
        Effect.catchAllCause((cause) =>
          Effect.succeed(new Map(SESSION_CHECKS.map((id) => [id, { ...fail(COMPLETES, `internal error: ${Cause.pretty(cause)}`), elapsedMs: 0 }] as const))))
      )
      for (const [id, outcome] of session) results.set(id, outcome)
      // Its waits are bounded by the media's length, which only the server knows: no guard here.
      results.set("bye-end", yield* runCheck(byeAtEndCheck(ctx)))
    }

    const notRun = `not run: no connection (${connected.actual})`
    // The auth checks are the suite's only when it has credentials to check with.
    const catalog: ReadonlyArray<{ readonly id: CheckId | AuthCheckId; readonly name: string }> = options.username === undefined ? CHECKS : [...CHECKS, ...AUTH_CHECKS]
    const checks: ReadonlyArray<CheckResult> = catalog.map(({ id, name }) => {
      const outcome = results.get(id) ?? { ...fail("a connection to the server", notRun), elapsedMs: 0 }
      return { id, name, ...outcome }
    })
    return summarize(cleanUrl, checks)
  })
