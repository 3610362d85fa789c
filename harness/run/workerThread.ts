/**
 * One worker thread of a threaded run, seen from the main thread: started from the built
 * threadWorker.js, its messages turned into Deferreds and counters, terminated with the scope.
 * Node's callbacks are wrapped here once; everything else talks to this handle.
 */
import { Data, Deferred, Duration, Effect, type Scope } from "effect"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { emptyLiveSums, type LiveSums } from "./liveStatus.js"
import type { ClientRun } from "./runScenario.js"
import type { FromThread, ThreadInput, ToThread } from "./threadProtocol.js"

/** A thread that will not give its clients' results: it died, or did not answer in time. */
export class ThreadGone extends Data.TaggedError("ThreadGone")<{ readonly reason: "Exited" | "Unreadable" | "NotReady" | "NoResult"; readonly message: string }> {}

/**
 * The built worker entry. Worker threads run plain JavaScript, so the sources (under vitest)
 * use the dist copy: from dist/harness/run it is beside this file; from harness/run it is
 * ../../dist/harness/run (test/support/buildIfStale.ts keeps dist fresh for the tests).
 */
export const threadWorkerFile = (): URL => {
  const candidates = ["./threadWorker.js", "../../dist/harness/run/threadWorker.js"].map((path) => new URL(path, import.meta.url))
  return candidates.find((url) => existsSync(fileURLToPath(url))) ?? candidates[0]!
}

export interface WorkerThread {
  readonly thread: number
  readonly clientIndices: ReadonlyArray<number>
  /** Waits for the thread's Ready, at most `ms`. */
  readonly ready: (ms: number) => Effect.Effect<void, ThreadGone>
  readonly post: (message: ToThread) => void
  /** Waits until the thread answered tick `seq` (or is gone); never fails. */
  readonly answered: (seq: number) => Effect.Effect<void>
  /** The thread's counters for this tick: its latest answer, with every newFrames since the last call. */
  readonly takeSums: () => LiveSums
  /** Its clients' results, at most `ms` after now. */
  readonly result: (ms: number) => Effect.Effect<ReadonlyArray<ClientRun>, ThreadGone>
}

const describeExit = (code: number, error: Error | undefined): string => error?.message ?? `exit code ${code}`

export const startWorkerThread = (file: URL, input: ThreadInput): Effect.Effect<WorkerThread, never, Scope.Scope> =>
  Effect.gen(function* () {
    const name = `thread ${input.thread}`
    const isReady = yield* Deferred.make<void, ThreadGone>()
    const done = yield* Deferred.make<ReadonlyArray<ClientRun>, ThreadGone>()
    let latest: LiveSums = { ...emptyLiveSums, clients: input.clientIndices.length }
    let pendingNewFrames = 0
    let pendingPlayingMs = 0
    let answeredSeq = -1
    let gone = false
    let delivered = false
    let error: Error | undefined
    const waiters: Array<{ readonly seq: number; readonly resume: () => void }> = []
    const wake = (): void => {
      for (let i = waiters.length - 1; i >= 0; i--) {
        const waiter = waiters[i]!
        if (gone || waiter.seq <= answeredSeq) {
          waiters.splice(i, 1)
          waiter.resume()
        }
      }
    }
    const fail = (reason: ThreadGone["reason"], message: string): void => {
      gone = true
      const failure = new ThreadGone({ reason, message: `${name} ${message}` })
      Deferred.unsafeDone(isReady, Effect.fail(failure))
      Deferred.unsafeDone(done, Effect.fail(failure))
      wake()
    }

    const worker = yield* Effect.acquireRelease(
      Effect.sync(() => new Worker(file, { workerData: input })),
      (w) => Effect.promise(() => w.terminate())
    )
    worker.on("message", (message: FromThread) => {
      switch (message._tag) {
        case "Ready":
          Deferred.unsafeDone(isReady, Effect.void)
          break
        case "Counters":
          latest = message.sums
          pendingNewFrames += message.sums.newFrames
          pendingPlayingMs += message.sums.playingMs
          answeredSeq = Math.max(answeredSeq, message.seq)
          wake()
          break
        case "Done":
          delivered = true
          Deferred.unsafeDone(done, Effect.succeed(message.clients))
          break
      }
    })
    worker.on("error", (e) => (error = e))
    // The results are waited for no longer; the thread itself goes with the scope.
    worker.on("messageerror", (e) => fail("Unreadable", `sent a message that could not be read: ${e.message}`))
    // Also after our own terminate at the end; by then the results are in and nothing changes.
    worker.on("exit", (code) => fail("Exited", `exited: ${describeExit(code, error)}`))

    /** Waits for `deferred` at most `ms`; past that the thread is given up (terminated), and the wait fails with `what`. */
    const awaitOrGiveUp = <A>(deferred: Deferred.Deferred<A, ThreadGone>, ms: number, reason: ThreadGone["reason"], what: string) =>
      Deferred.await(deferred).pipe(
        Effect.timeout(Duration.millis(ms)),
        Effect.catchTag("TimeoutException", () =>
          Effect.sync(() => fail(reason, `${what} within ${Math.round(ms / 1000)} s`)).pipe(
            Effect.zipRight(Effect.promise(() => worker.terminate())),
            Effect.zipRight(Deferred.await(deferred))
          ))
      )

    return {
      thread: input.thread,
      clientIndices: input.clientIndices,
      ready: (ms) => awaitOrGiveUp(isReady, ms, "NotReady", "did not start"),
      post: (message) => {
        if (!gone) worker.postMessage(message)
      },
      answered: (seq) =>
        Effect.async<void>((resume) => {
          const waiter = { seq, resume: () => resume(Effect.void) }
          waiters.push(waiter)
          wake()
          return Effect.sync(() => {
            const at = waiters.indexOf(waiter)
            if (at >= 0) waiters.splice(at, 1)
          })
        }),
      takeSums: () => {
        const newFrames = pendingNewFrames
        const playingMs = pendingPlayingMs
        pendingNewFrames = 0
        pendingPlayingMs = 0
        const n = input.clientIndices.length
        // Gone before its results: every client of it has failed, none plays.
        return gone && !delivered ? { ...latest, clients: n, playing: 0, finished: n, failed: n, newFrames, playingMs } : { ...latest, newFrames, playingMs }
      },
      result: (ms) => awaitOrGiveUp(done, ms, "NoResult", "gave no result")
    } satisfies WorkerThread
  })
