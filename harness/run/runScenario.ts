/**
 * Runs a scenario: its clients started evenly over the ramp-up, each with its own ClientSession
 * walking the steps in order, then the expectations judged on what they measured. One client's
 * failure ends that client only (its reason is counted); the run always finishes with a result.
 *
 * A `wait` while playing ends early at an RTCP BYE: the stream is over, there is nothing left to
 * measure. A session still set up after the last step is torn down.
 */
import { Clock, Duration, Effect, Fiber, Schedule } from "effect"
import { aggregateSessions, type RunAggregate } from "../metrics/aggregate.js"
import type { ReceivedFrame } from "../receiver/mjpegReceiver.js"
import type { Scenario, Step } from "../scenario/schema.js"
import { makeClientSession } from "../session/ClientSession.js"
import type { ClientSession, ClientSessionOptions, ClientSessionSnapshot, RequestRecord } from "../session/types.js"
import { type ClientVerdictInput, evaluateExpectations, type ExpectationCheck } from "./expectations.js"
import { type LiveStatus, makeLiveStatusTracker } from "./liveStatus.js"
import { type MethodTiming, rtspTimings, type SessionMetrics, sessionMetrics, sessionOutcome } from "./sessionMetrics.js"
import { messageOf } from "../../src/common/errorText.js"

/** What a run passes on to each client's ClientSession unchanged (documented there). */
type SessionSettings = Pick<ClientSessionOptions, "timeoutMs" | "username" | "password" | "udpFallbackMs" | "expectedFps" | "bindHost">

export interface RunOptions extends SessionSettings {
  /** Frames of every client (ClientSessionOptions.onFrame with the client's index), from the socket callback: keep it cheap. */
  readonly onFrame?: (client: number, frame: ReceivedFrame, index: number) => void
  /** Called every `progressEveryMs` (default 1000) while the run goes on. */
  readonly onProgress?: (status: LiveStatus) => Effect.Effect<void>
  readonly progressEveryMs?: number
}

export interface ClientRun extends ClientVerdictInput {
  readonly snapshot?: ClientSessionSnapshot
}

export interface ScenarioRunResult {
  readonly scenario: Scenario
  /** Unix ms at the start. */
  readonly startedAt: number
  readonly durationMs: number
  readonly clients: ReadonlyArray<ClientRun>
  readonly aggregate: RunAggregate
  /** RTSP response times per method, over every client. */
  readonly rtspMs: Readonly<Record<string, MethodTiming>>
  readonly checks: ReadonlyArray<ExpectationCheck>
  readonly ok: boolean
}

type StatusStep = ClientVerdictInput["statusSteps"][number]

const runStep = (session: ClientSession, step: Step, index: number, statusSteps: Array<StatusStep>) => {
  switch (step.step) {
    case "options":
      return session.options
    case "describe":
      return session.describe
    case "setup":
      return session.setup
    case "play":
      return session.play(step.range)
    case "pause":
      return session.pause
    case "teardown":
      return session.teardown
    case "wait":
      return session.live().state === "playing" ? session.awaitBye(step.duration) : Effect.sleep(Duration.millis(step.duration))
    case "expect-status":
      return session.raw(step.request).pipe(
        Effect.map((info) => info.status),
        // No reply at all (timeout, closed) is a mismatch to report, not the end of the client.
        Effect.catchAll(() => Effect.succeed(0)),
        Effect.tap((status) => Effect.sync(() => statusSteps.push({ step: index, method: step.request.method, expected: step.status, actual: status })))
      )
  }
}

export const runScenario = (scenario: Scenario, options: RunOptions = {}): Effect.Effect<ScenarioRunResult> =>
  Effect.gen(function* () {
    const startedAt = yield* Clock.currentTimeMillis
    const epochMs = performance.now()
    const live: Array<ClientSession | undefined> = Array.from({ length: scenario.clients }, () => undefined)
    const finished: Array<boolean> = Array.from({ length: scenario.clients }, () => false)
    const failed: Array<boolean> = Array.from({ length: scenario.clients }, () => false)

    const runClient = (index: number): Effect.Effect<ClientRun> => {
      const statusSteps: Array<StatusStep> = []
      let session: ClientSession | undefined
      const body = Effect.scoped(
        Effect.gen(function* () {
          session = yield* makeClientSession({
            url: scenario.url,
            transport: scenario.transport,
            dialect: scenario.dialect,
            epochMs,
            ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
            ...(options.username === undefined ? {} : { username: options.username }),
            ...(options.password === undefined ? {} : { password: options.password }),
            ...(options.udpFallbackMs === undefined ? {} : { udpFallbackMs: options.udpFallbackMs }),
            ...(options.expectedFps === undefined ? {} : { expectedFps: options.expectedFps }),
            ...(options.bindHost === undefined ? {} : { bindHost: options.bindHost }),
            ...(options.onFrame === undefined ? {} : { onFrame: (frame: ReceivedFrame, n: number) => options.onFrame?.(index, frame, n) })
          })
          live[index] = session
          for (const [stepIndex, step] of scenario.steps.entries()) {
            yield* runStep(session, step, stepIndex, statusSteps)
          }
          const state = session.live().state
          if (state === "ready" || state === "playing") yield* session.teardown.pipe(Effect.ignore)
        })
      )
      const delayMs = scenario.clients > 1 ? (scenario.rampUp * index) / scenario.clients : 0
      return Effect.sleep(Duration.millis(delayMs)).pipe(
        Effect.zipRight(body),
        Effect.as({ ok: true as const }),
        Effect.catchAll((error) => Effect.succeed({ ok: false as const, failureReason: messageOf(error) })),
        Effect.map((outcome): ClientRun => {
          finished[index] = true
          failed[index] = !outcome.ok
          const snapshot = session?.snapshot()
          const requests: ReadonlyArray<RequestRecord> = snapshot?.requests ?? []
          const metrics: SessionMetrics | undefined = snapshot === undefined ? undefined : sessionMetrics(snapshot)
          return {
            index,
            ok: outcome.ok,
            ...(outcome.ok ? {} : { failureReason: outcome.failureReason }),
            ...(metrics === undefined ? {} : { metrics }),
            requests,
            statusSteps,
            ...(snapshot === undefined ? {} : { snapshot })
          }
        })
      )
    }

    const onProgress = options.onProgress
    const liveStatus = makeLiveStatusTracker()
    const progressFiber = onProgress === undefined
      ? undefined
      : yield* Effect.fork(
        Effect.suspend(() => onProgress(liveStatus(performance.now() - epochMs, live, finished, failed))).pipe(
          Effect.repeat(Schedule.spaced(Duration.millis(options.progressEveryMs ?? 1000))),
          Effect.delay(Duration.millis(options.progressEveryMs ?? 1000))
        )
      )

    const clients = yield* Effect.forEach(Array.from({ length: scenario.clients }, (_, i) => i), runClient, { concurrency: "unbounded" })
    if (progressFiber !== undefined) yield* Fiber.interrupt(progressFiber)

    const aggregate = aggregateSessions(clients.map((c) => sessionOutcome(c.ok, c.failureReason, c.snapshot)))
    const checks = evaluateExpectations(scenario.expect, clients)
    return {
      scenario,
      startedAt,
      durationMs: performance.now() - epochMs,
      clients,
      aggregate,
      rtspMs: rtspTimings(clients.flatMap((c) => c.requests)),
      checks,
      ok: checks.every((c) => c.ok)
    }
  })
