/**
 * `load --threads N`: a scenario's clients spread over N worker threads, one event loop each,
 * with the figures of a run in one thread. Client i goes to thread i mod N (round robin), so
 * every thread's share rises evenly over the ramp-up; each client keeps its start delay from
 * the one epoch all threads share (see scenarioClients).
 *
 * - Live progress: each tick the main thread asks every thread for its raw counters (LiveSums),
 *   waits for the answers (at most half a tick), adds them and applies liveStatusOf, the same
 *   formula as a single-thread run.
 * - The result: the threads' ClientRuns merged and finished by scenarioRunResult, as in
 *   runScenario.
 * - A thread that dies or does not answer in time (clientBoundMs) fails its own clients, with
 *   the reason ("thread 2 exited: …"); the other threads' results stand.
 *
 * Per-frame callbacks (onFrame) cannot cross threads; the options type has none.
 */
import { Clock, Effect, Either, Fiber } from "effect"
import type { Scenario } from "../scenario/schema.js"
import { addLiveSums, emptyLiveSums, type LiveStatus, liveStatusOf } from "./liveStatus.js"
import { clientBoundMs } from "./runBound.js"
import { type ClientRun, progressLoop, type ScenarioRunResult, type SessionSettings } from "./runScenario.js"
import { scenarioRunResult } from "./scenarioResult.js"
import { shardClients } from "./shardSpec.js"
import { toUnixMs } from "./threadProtocol.js"
import { startWorkerThread, threadWorkerFile, type WorkerThread } from "./workerThread.js"

export interface ThreadedRunOptions extends SessionSettings {
  readonly threads: number
  readonly onProgress?: (status: LiveStatus) => Effect.Effect<void>
  readonly progressEveryMs?: number
  /** The worker entry (default: the built threadWorker.js); tests give one that crashes. */
  readonly workerFile?: URL
  /** Run only these of the scenario's clients (a shard's share), dealt round robin over the threads; default all. */
  readonly clientIndices?: ReadonlyArray<number>
  /** Time zero on performance.now()'s clock (load --start-at); default: once every thread is ready. */
  readonly epochMs?: number
}

/** How long a thread may take to load and say Ready. */
export const THREAD_READY_TIMEOUT_MS = 30_000

/** Client i to thread i mod threads (the same round robin as load --shard). */
export { shardClients }

/** A thread's clients, all failed with the thread's reason. */
const failedClients = (thread: WorkerThread, reason: string): ReadonlyArray<ClientRun> =>
  thread.clientIndices.map((index) => ({ index, ok: false, failureReason: reason, requests: [], statusSteps: [] }))

export const runScenarioOnThreads = (scenario: Scenario, options: ThreadedRunOptions): Effect.Effect<ScenarioRunResult> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { threads: _threads, onProgress, progressEveryMs = 1000, workerFile = threadWorkerFile(), clientIndices: share, epochMs: givenEpochMs, ...settings } = options
      const indices = share ?? Array.from({ length: scenario.clients }, (_, i) => i)
      const shards = shardClients(indices.length, Math.max(1, Math.min(options.threads, indices.length))).map((slots) => slots.map((slot) => indices[slot] ?? slot))
      const threads = yield* Effect.forEach(shards, (clientIndices, thread) => startWorkerThread(workerFile, { thread, scenario, clientIndices, settings }))
      // Started only once all are loaded (or given up), so no thread's clients start late.
      const readiness = yield* Effect.forEach(threads, (t) => Effect.either(t.ready(THREAD_READY_TIMEOUT_MS)), { concurrency: "unbounded" })

      const epochMs = givenEpochMs ?? performance.now()
      // The epoch in Unix ms (it is later than now with --start-at).
      const startedAt = (yield* Clock.currentTimeMillis) + epochMs - performance.now()
      for (const t of threads) t.post({ _tag: "Start", epochUnixMs: toUnixMs(epochMs) })

      let seq = 0
      const tick = Effect.suspend(() => {
        seq += 1
        const asked = seq
        for (const t of threads) t.post({ _tag: "Tick", seq: asked })
        return Effect.forEach(threads, (t) => t.answered(asked), { concurrency: "unbounded", discard: true }).pipe(
          // A thread too busy to answer in time counts with its last answer; its frames come with the next one.
          Effect.timeout(progressEveryMs / 2),
          Effect.ignore,
          Effect.flatMap(() => onProgress?.(liveStatusOf(performance.now() - epochMs, threads.map((t) => t.takeSums()).reduce(addLiveSums, emptyLiveSums))) ?? Effect.void)
        )
      })
      const progressFiber = onProgress === undefined ? undefined : yield* Effect.fork(progressLoop(progressEveryMs, tick))

      const boundMs = clientBoundMs(scenario, settings)
      const runs = yield* Effect.forEach(
        threads,
        (t, i) => {
          const ready = readiness[i]
          if (ready !== undefined && Either.isLeft(ready)) return Effect.succeed(failedClients(t, ready.left.message))
          return t.result(boundMs).pipe(Effect.catchAll((gone) => Effect.succeed(failedClients(t, gone.message))))
        },
        { concurrency: "unbounded" }
      )
      if (progressFiber !== undefined) yield* Fiber.interrupt(progressFiber)
      return scenarioRunResult(scenario, runs.flat(), startedAt, performance.now() - epochMs)
    })
  )
