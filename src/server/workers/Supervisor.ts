/**
 * The cluster's primary side: forks one worker per index (node:cluster; the RTSP port is shared
 * through the primary, each worker binds its own RTP/RTCP pair), waits until every one listens,
 * replaces a worker that exits unasked (bounded by the restart policy), asks the workers for
 * their metrics over IPC, and stops them all when its scope closes.
 *
 * The state of the slots is plain mutable data owned by this module: node's callbacks record
 * what happened and queue it, and one fiber acts on the queue (logs, replacements), in order.
 */
import cluster, { type Worker } from "node:cluster"
import { Clock, Deferred, Duration, Effect, Exit, FiberId, Option, Queue, type Scope } from "effect"
import type { ServerConfig } from "../config.js"
import type { LoggingOptions } from "../logging.js"
import type { ExpositionSnapshot } from "../Metrics.js"
import { ClusterError } from "./errors.js"
import { isWorkerMessage, type PrimaryMessage, type WorkerMessage, type WorkerReadyInfo } from "./messages.js"
import { decideRestart, DEFAULT_RESTART_POLICY, type RestartPolicy } from "./restartPolicy.js"
import { workerEnv } from "./workerEnv.js"
import { workerRtpPort } from "./workerPorts.js"

export interface SupervisorOptions {
  readonly count: number
  /** What every worker serves (its RTP port is derived per worker; it never opens HTTP). */
  readonly server: ServerConfig
  readonly logging: LoggingOptions
  /** The worker's main module (workerMain.js). */
  readonly workerEntry: string
  readonly restartPolicy?: RestartPolicy
  /** How long stopping workers get before they are killed (SIGKILL). */
  readonly stopDeadlineMs?: number
}

/** The default leaves room to kill stragglers and still exit within 2 s of SIGTERM. */
export const DEFAULT_STOP_DEADLINE_MS = 1500
/** How long a killed worker's exit is awaited. */
const KILL_WAIT_MS = 300

/** starting: forked, not listening yet; ready: serving; failed: crashed too often, not replaced. */
export type WorkerState = "starting" | "ready" | "failed"

export interface WorkerView {
  readonly index: number
  readonly state: WorkerState
  readonly pid: number | undefined
  /** Replacements so far. */
  readonly restarts: number
  /** What the current (or, for a failed slot, the last) worker reported when it listened. */
  readonly ready: WorkerReadyInfo | undefined
}

export interface WorkerReading extends WorkerView {
  /** undefined when the worker is not serving or did not answer in time. */
  readonly snapshot: ExpositionSnapshot | undefined
}

export interface Supervisor {
  /** The shared RTSP port every worker listens on. */
  readonly port: number
  /** What each worker reported at start, by index. */
  readonly started: ReadonlyArray<WorkerReadyInfo>
  readonly workers: () => ReadonlyArray<WorkerView>
  /** Every worker's metrics, asked over IPC at once; a worker that does not answer within `timeoutMs` reads undefined. */
  readonly readMetrics: (timeoutMs: number) => Effect.Effect<ReadonlyArray<WorkerReading>>
  /** Fails once every worker has been given up on: nothing is left to serve. Never succeeds. */
  readonly allFailed: Effect.Effect<never, ClusterError>
}

interface WorkerExit {
  readonly code: number | null
  readonly signal: string | null
}

interface Slot {
  readonly index: number
  worker: Worker | undefined
  exited: Deferred.Deferred<WorkerExit> | undefined
  state: WorkerState
  ready: WorkerReadyInfo | undefined
  /** The pair this slot binds: --rtp-port + 2·index, or, once known, the one its first worker got (port 0). */
  rtpPort: number
  restarts: number
  recentCrashes: ReadonlyArray<number>
  /** What the current worker said before exiting, when it could not start. */
  startFailure: string | undefined
}

type SlotEvent =
  | { readonly _tag: "Message"; readonly slot: Slot; readonly worker: Worker; readonly message: WorkerMessage }
  | { readonly _tag: "Exit"; readonly slot: Slot; readonly worker: Worker; readonly exit: WorkerExit }

export const describeExit = (exit: WorkerExit): string =>
  exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code ?? "?"}`

/** Sends unless the channel is gone; a worker that cannot hear it is seen by its exit. */
const trySend = (worker: Worker, message: PrimaryMessage): boolean => {
  try {
    return worker.isConnected() && worker.send(message, () => undefined)
  } catch {
    return false
  }
}

export const make = (options: SupervisorOptions): Effect.Effect<Supervisor, ClusterError, Scope.Scope> =>
  Effect.gen(function*() {
    const policy = options.restartPolicy ?? DEFAULT_RESTART_POLICY
    const stopDeadlineMs = options.stopDeadlineMs ?? DEFAULT_STOP_DEADLINE_MS
    const events = yield* Queue.unbounded<SlotEvent>()
    const startedAll = yield* Deferred.make<void, ClusterError>()
    const gaveUp = yield* Deferred.make<never, ClusterError>()
    const pending = new Map<number, Deferred.Deferred<ExpositionSnapshot>>()
    let nextRequestId = 1
    let stopping = false
    let started = false
    // The port replacements listen on: the configured one (0 included) while another worker holds
    // the shared handle (cluster keys it by the port asked for), else the real one.
    let sharedPort = options.server.port

    const slots: Array<Slot> = Array.from({ length: options.count }, (_, index) => ({
      index,
      worker: undefined,
      exited: undefined,
      state: "starting",
      ready: undefined,
      rtpPort: workerRtpPort(options.server.rtpPort, index),
      restarts: 0,
      recentCrashes: [],
      startFailure: undefined
    }))

    cluster.setupPrimary({ exec: options.workerEntry, args: [], serialization: "advanced" })

    const fork = (slot: Slot): void => {
      const othersServing = slots.some((other) => other !== slot && other.state === "ready")
      const port = started && !othersServing ? sharedPort : options.server.port
      const server: ServerConfig = { ...options.server, port, rtpPort: slot.rtpPort, httpPort: undefined }
      const worker = cluster.fork(workerEnv({ index: slot.index, server, logging: options.logging }))
      const exited = Deferred.unsafeMake<WorkerExit>(FiberId.none)
      slot.worker = worker
      slot.exited = exited
      slot.state = "starting"
      slot.startFailure = undefined
      worker.on("message", (message: unknown) => {
        if (!isWorkerMessage(message)) return
        if (message._tag === "MetricsReply") {
          const waiting = pending.get(message.id)
          if (waiting !== undefined) Deferred.unsafeDone(waiting, Exit.succeed(message.snapshot))
          return
        }
        Queue.unsafeOffer(events, { _tag: "Message", slot, worker, message })
      })
      worker.on("exit", (code: number | null, signal: string | null) => {
        Deferred.unsafeDone(exited, Exit.succeed({ code, signal }))
        Queue.unsafeOffer(events, { _tag: "Exit", slot, worker, exit: { code, signal } })
      })
      // IPC errors (a send racing an exit) must not crash the primary; the exit tells the story.
      worker.on("error", () => undefined)
    }

    const onReady = (slot: Slot, info: WorkerReadyInfo) =>
      Effect.gen(function*() {
        slot.state = "ready"
        slot.ready = info
        slot.rtpPort = info.rtpPort
        if (started) {
          yield* Effect.logInfo(`worker ${slot.index} replaced: pid ${info.pid}, RTP/RTCP on UDP ${info.rtpPort}/${info.rtcpPort}`)
        } else if (slots.every((s) => s.state === "ready")) {
          started = true
          sharedPort = info.port
          yield* Deferred.succeed(startedAll, undefined)
        }
      })

    const onExit = (slot: Slot, exit: WorkerExit) =>
      Effect.gen(function*() {
        slot.worker = undefined
        if (stopping) return
        const how = describeExit(exit) + (slot.startFailure === undefined ? "" : `: ${slot.startFailure}`)
        if (!started) {
          yield* Deferred.fail(startedAll, new ClusterError({
            reason: "WorkerStart",
            message: `worker ${slot.index} could not start (${slot.startFailure ?? `it exited, ${describeExit(exit)}`})`
          }))
          return
        }
        const decision = decideRestart(policy, slot.recentCrashes, yield* Clock.currentTimeMillis)
        slot.recentCrashes = decision.recentCrashes
        if (decision.replace) {
          yield* Effect.logWarning(`worker ${slot.index} exited (${how}); replacing`)
          slot.restarts++
          fork(slot)
          return
        }
        slot.state = "failed"
        yield* Effect.logError(
          `worker ${slot.index} exited (${how}), ${decision.recentCrashes.length} crashes within ${policy.windowMs / 1000} s; not replacing it`
        )
        if (slots.every((s) => s.state === "failed")) {
          yield* Deferred.fail(gaveUp, new ClusterError({ reason: "AllWorkersFailed", message: "every worker crashed repeatedly; nothing left to serve" }))
        }
      })

    const handle = (event: SlotEvent): Effect.Effect<void> => {
      // A replaced worker's late news is not about the slot any more.
      if (event.worker !== event.slot.worker) return Effect.void
      if (event._tag === "Exit") return onExit(event.slot, event.exit)
      const message = event.message
      switch (message._tag) {
        case "Ready":
          return onReady(event.slot, message.info)
        case "StartFailed":
          return Effect.sync(() => {
            event.slot.startFailure = message.message
          })
        case "MetricsReply":
          return Effect.void
      }
    }

    const stopAll = Effect.gen(function*() {
      stopping = true
      const live = slots.flatMap((slot) =>
        slot.worker === undefined || slot.exited === undefined ? [] : [{ slot, worker: slot.worker, exited: slot.exited }])
      for (const { worker } of live) worker.process.kill("SIGTERM")
      // Finalizers are uninterruptible, and a timeout waits for an uninterruptible loser: the
      // waits are made interruptible so the deadline holds.
      const exits = yield* Effect.forEach(
        live,
        ({ exited }) => Deferred.await(exited).pipe(Effect.interruptible, Effect.timeoutOption(Duration.millis(stopDeadlineMs))),
        { concurrency: "unbounded" }
      )
      const problems: Array<string> = []
      const killed = live.filter((_, i) => Option.isNone(exits[i] ?? Option.none()))
      for (const { slot, worker } of killed) {
        problems.push(`worker ${slot.index} (pid ${worker.process.pid ?? "?"}) did not stop within ${stopDeadlineMs} ms; killed`)
        worker.process.kill("SIGKILL")
      }
      for (const [i, exit] of exits.entries()) {
        // Killed by the SIGTERM itself: a worker still loading its modules, with nothing to stop yet.
        if (Option.isSome(exit) && exit.value.code !== 0 && exit.value.signal !== "SIGTERM") {
          problems.push(`worker ${live[i]?.slot.index ?? i} exited (${describeExit(exit.value)}) while stopping`)
        }
      }
      yield* Effect.forEach(killed, ({ exited }) => Deferred.await(exited).pipe(Effect.interruptible, Effect.timeoutOption(Duration.millis(KILL_WAIT_MS))), {
        concurrency: "unbounded",
        discard: true
      })
      if (problems.length === 0) return
      for (const problem of problems) yield* Effect.logError(problem)
      // A finalizer cannot fail, and runMain exits 0 for an interruption: a defect is how the
      // process says that stopping went wrong (exit status 1).
      yield* Effect.die(new ClusterError({ reason: "Stop", message: problems.join("; ") }))
    })

    yield* Effect.addFinalizer(() => stopAll)
    yield* Effect.forever(Effect.flatMap(Queue.take(events), handle)).pipe(Effect.forkScoped)
    for (const slot of slots) fork(slot)
    yield* Deferred.await(startedAll)

    const readOne = (slot: Slot, timeoutMs: number): Effect.Effect<WorkerReading> => {
      const view = viewOf(slot)
      const worker = slot.worker
      if (slot.state !== "ready" || worker === undefined) return Effect.succeed({ ...view, snapshot: undefined })
      const id = nextRequestId++
      return Effect.gen(function*() {
        const reply = yield* Deferred.make<ExpositionSnapshot>()
        pending.set(id, reply)
        if (!trySend(worker, { _tag: "MetricsRequest", id })) return { ...view, snapshot: undefined }
        const snapshot = yield* Deferred.await(reply).pipe(Effect.timeoutOption(Duration.millis(timeoutMs)))
        return { ...view, snapshot: Option.getOrUndefined(snapshot) }
      }).pipe(Effect.ensuring(Effect.sync(() => pending.delete(id))))
    }

    return {
      port: sharedPort,
      started: slots.flatMap((slot) => (slot.ready === undefined ? [] : [slot.ready])),
      workers: () => slots.map(viewOf),
      readMetrics: (timeoutMs) => Effect.forEach(slots, (slot) => readOne(slot, timeoutMs), { concurrency: "unbounded" }),
      allFailed: Deferred.await(gaveUp)
    }
  })

const viewOf = (slot: Slot): WorkerView => ({
  index: slot.index,
  state: slot.state,
  pid: slot.state === "failed" ? undefined : slot.worker?.process.pid,
  restarts: slot.restarts,
  ready: slot.ready
})
