/**
 * Runs a scenario: its clients started evenly over the ramp-up, each with its own ClientSession
 * walking the steps in order, then the expectations judged on what they measured. One client's
 * failure ends that client only (its reason is counted); the run always finishes with a result.
 *
 * A `wait` while playing ends early at an RTCP BYE: the stream is over, there is nothing left to
 * measure. A session still set up after the last step is torn down. A client may ask for an
 * impairment (the scenario's `impair`, added to its URL's query); before each TEARDOWN, every
 * client asks the server for its record of the session and sets its own figures beside it
 * (harness/impair/impairmentCheck.ts).
 *
 * `scenarioClients` is the part a worker thread runs for its share of the clients
 * (`clientIndices`): client i starts at rampUp·i/clients after the shared epoch, whichever
 * thread runs it, so a run split over threads keeps the ramp-up of one run in one thread.
 */
import { Clock, Duration, Effect, Fiber, Schedule } from "effect"
import type { ReceivedFrame } from "../receiver/mjpegReceiver.js"
import type { OnAccessUnit } from "../receiver/nalReceiver.js"
import { parseTrackSelector } from "../../src/protocol/sdpTracks.js"
import { checkAgainstServerRecord, classicCheck, type ImpairmentCheck } from "../impair/impairmentCheck.js"
import { impairedUrl } from "../impair/impairQuery.js"
import { type RecoveryFigures, recoveryFigures } from "../metrics/recovery.js"
import { impairmentOfClient, type Scenario, type Step } from "../scenario/schema.js"
import { makeClientSession } from "../session/ClientSession.js"
import type { ClientSession, ClientSessionOptions, RequestRecord } from "../session/types.js"
import type { ClientVerdictInput } from "./expectations.js"
import { type LiveStatus, type LiveSums, liveStatusOf, makeLiveSumsTracker } from "./liveStatus.js"
import { makePlayingSpans } from "./playingSpans.js"
import { type ClientRun, type ScenarioRunResult, scenarioRunResult } from "./scenarioResult.js"
import { type SessionMetrics, sessionMetrics } from "./sessionMetrics.js"
import { messageOf } from "../../src/common/errorText.js"

export type { ClientRun, ScenarioRunResult } from "./scenarioResult.js"

/** What a run passes on to each client's ClientSession unchanged (documented there). */
export type SessionSettings = Pick<ClientSessionOptions, "timeoutMs" | "username" | "password" | "insecure" | "udpFallbackMs" | "udpBatching" | "expectedFps" | "bindHost" | "tracks">

export interface RunOptions extends SessionSettings {
  /** Frames of every client (ClientSessionOptions.onFrame with the client's index), from the socket callback: keep it cheap. */
  readonly onFrame?: (client: number, frame: ReceivedFrame, index: number) => void
  /** Access units of every client's H.264/H.265 primary track (ClientSessionOptions.onAccessUnit), likewise. */
  readonly onAccessUnit?: (client: number, ...unit: Parameters<OnAccessUnit>) => void
  /** Called every `progressEveryMs` (default 1000) while the run goes on. */
  readonly onProgress?: (status: LiveStatus) => Effect.Effect<void>
  readonly progressEveryMs?: number
  /** Run only these of the scenario's clients (0 … clients-1), each at its own start delay; default all. */
  readonly clientIndices?: ReadonlyArray<number>
  /** Time zero of the run on performance.now()'s clock (start delays and timelines count from it); default now. */
  readonly epochMs?: number
}

type StatusStep = ClientVerdictInput["statusSteps"][number]

/** When client `index` starts, after the epoch: evenly over the ramp-up. */
export const startDelayMs = (scenario: Scenario, index: number): number =>
  scenario.clients > 1 ? (scenario.rampUp * index) / scenario.clients : 0

const allClients = (scenario: Scenario): ReadonlyArray<number> => Array.from({ length: scenario.clients }, (_, i) => i)

/** `onStreamEnd`: a wait while playing ended at the stream's BYE. */
const runStep = (session: ClientSession, step: Step, index: number, statusSteps: Array<StatusStep>, onStreamEnd: () => void) => {
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
      return session.live().state === "playing"
        ? session.awaitBye(step.duration).pipe(Effect.tap((bye) => Effect.sync(() => bye && onStreamEnd())))
        : Effect.sleep(Duration.millis(step.duration))
    case "expect-status":
      return session.raw(step.request).pipe(
        Effect.map((info) => info.status),
        // No reply at all (timeout, closed) is a mismatch to report, not the end of the client.
        Effect.catchAll(() => Effect.succeed(0)),
        Effect.tap((status) => Effect.sync(() => statusSteps.push({ step: index, method: step.request.method, expected: step.status, actual: status })))
      )
  }
}

export interface ScenarioClients {
  /** Runs the clients to the end; their results in the order of the indices. */
  readonly run: Effect.Effect<ReadonlyArray<ClientRun>>
  /** The clients' live counters now (newFrames since the previous call). */
  readonly liveSums: () => LiveSums
}

export const scenarioClients = (
  scenario: Scenario,
  options: Omit<RunOptions, "onProgress" | "progressEveryMs" | "epochMs"> & { readonly epochMs: number }
): ScenarioClients => {
  const indices = options.clientIndices ?? allClients(scenario)
  const epochMs = options.epochMs
  // A command's --tracks wins over the scenario's.
  const tracks = options.tracks ?? (scenario.tracks === undefined ? undefined : parseTrackSelector(scenario.tracks))
  // Slot k belongs to client indices[k].
  const live: Array<ClientSession | undefined> = indices.map(() => undefined)
  const finished: Array<boolean> = indices.map(() => false)
  const failed: Array<boolean> = indices.map(() => false)

  const runClient = (index: number, slot: number): Effect.Effect<ClientRun> => {
    const statusSteps: Array<StatusStep> = []
    const impairmentChecks: Array<ImpairmentCheck> = []
    const playing = makePlayingSpans(epochMs)
    const asked = impairmentOfClient(scenario.impair, index)
    let session: ClientSession | undefined

    /** Before a session ends: stop judging the frame rate, and set our figures beside the server's record. */
    const endOfSession = (current: ClientSession) =>
      Effect.gen(function* () {
        const state = current.live().state
        if (state !== "ready" && state !== "playing") return
        playing.stopped()
        impairmentChecks.push(scenario.dialect === "classic" ? classicCheck(asked) : yield* checkAgainstServerRecord(current, asked))
      })

    const body = Effect.scoped(
      Effect.gen(function* () {
        const url = asked === undefined ? scenario.url : yield* impairedUrl(scenario.url, asked)
        session = yield* makeClientSession({
          url,
          transport: scenario.transport,
          dialect: scenario.dialect,
          epochMs,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.username === undefined ? {} : { username: options.username }),
          ...(options.password === undefined ? {} : { password: options.password }),
          ...(options.insecure === undefined ? {} : { insecure: options.insecure }),
          ...(options.udpFallbackMs === undefined ? {} : { udpFallbackMs: options.udpFallbackMs }),
          ...(options.udpBatching === undefined ? {} : { udpBatching: options.udpBatching }),
          ...(options.expectedFps === undefined ? {} : { expectedFps: options.expectedFps }),
          ...(options.bindHost === undefined ? {} : { bindHost: options.bindHost }),
          ...(tracks === undefined ? {} : { tracks }),
          ...(options.onFrame === undefined ? {} : { onFrame: (frame: ReceivedFrame, n: number) => options.onFrame?.(index, frame, n) }),
          ...(options.onAccessUnit === undefined ? {} : { onAccessUnit: (...unit: Parameters<OnAccessUnit>) => options.onAccessUnit?.(index, ...unit) })
        })
        live[slot] = session
        for (const [stepIndex, step] of scenario.steps.entries()) {
          if (step.step === "teardown") yield* endOfSession(session)
          if (step.step === "pause") playing.stopped()
          const sentAt = performance.now()
          // A wait that ended at the stream's BYE ends the playing too: nothing more to judge.
          yield* runStep(session, step, stepIndex, statusSteps, playing.stopped)
          if (step.step === "play") playing.started(sentAt)
        }
        const state = session.live().state
        if (state === "ready" || state === "playing") {
          yield* endOfSession(session)
          yield* session.teardown.pipe(Effect.ignore)
        }
      })
    )
    // Counted from the shared epoch, not from when this fiber began: a thread that started late keeps the schedule.
    const untilStart = Effect.suspend(() => Effect.sleep(Duration.millis(Math.max(0, epochMs + startDelayMs(scenario, index) - performance.now()))))
    return untilStart.pipe(
      Effect.zipRight(body),
      Effect.as({ ok: true as const }),
      Effect.catchAll((error) => Effect.succeed({ ok: false as const, failureReason: messageOf(error) })),
      Effect.map((outcome): ClientRun => {
        finished[slot] = true
        failed[slot] = !outcome.ok
        const snapshot = session?.snapshot()
        const requests: ReadonlyArray<RequestRecord> = snapshot?.requests ?? []
        const metrics: SessionMetrics | undefined = snapshot === undefined ? undefined : sessionMetrics(snapshot)
        const floor = scenario.expect?.recovery?.fpsMin
        const recovery: RecoveryFigures | undefined = floor === undefined || snapshot === undefined
          ? undefined
          : recoveryFigures(snapshot.frameArrivalsMs, playing.spans(), floor)
        return {
          index,
          ok: outcome.ok,
          ...(outcome.ok ? {} : { failureReason: outcome.failureReason }),
          ...(metrics === undefined ? {} : { metrics }),
          requests,
          statusSteps,
          ...(recovery === undefined ? {} : { recovery }),
          ...(impairmentChecks.length === 0 ? {} : { impairmentChecks }),
          ...(snapshot === undefined ? {} : { snapshot })
        }
      })
    )
  }

  const sums = makeLiveSumsTracker()
  return {
    run: Effect.forEach(indices, runClient, { concurrency: "unbounded" }),
    liveSums: () => sums(live, finished, failed)
  }
}

/** Runs `tick` every `everyMs` (the first after one interval) until interrupted; on a fixed beat, so a slow tick (threads answering late) does not push the next ones back. */
export const progressLoop = (everyMs: number, tick: Effect.Effect<void>): Effect.Effect<never> =>
  tick.pipe(Effect.repeat(Schedule.fixed(Duration.millis(everyMs))), Effect.delay(Duration.millis(everyMs)), Effect.zipRight(Effect.never))

export const runScenario = (scenario: Scenario, options: RunOptions = {}): Effect.Effect<ScenarioRunResult> =>
  Effect.gen(function* () {
    const epochMs = options.epochMs ?? performance.now()
    // The epoch in Unix ms (it is later than now with load --start-at).
    const startedAt = (yield* Clock.currentTimeMillis) + epochMs - performance.now()
    const clients = scenarioClients(scenario, { ...options, epochMs })

    const onProgress = options.onProgress
    const progressFiber = onProgress === undefined
      ? undefined
      : yield* Effect.fork(progressLoop(options.progressEveryMs ?? 1000, Effect.suspend(() => onProgress(liveStatusOf(performance.now() - epochMs, clients.liveSums())))))

    const runs = yield* clients.run
    if (progressFiber !== undefined) yield* Fiber.interrupt(progressFiber)
    return scenarioRunResult(scenario, runs, startedAt, performance.now() - epochMs)
  })
