/**
 * A cluster worker's process entry (the primary forks it with cluster.setupPrimary({ exec })).
 * It runs the worker's server until SIGTERM (how the primary stops it), then stops gracefully
 * (BYE to every session) and exits 0; a server that cannot start tells the primary why and
 * exits 1. A primary that dies without stopping its workers takes them along: node's cluster
 * ends a worker whose IPC channel closes unasked, at once (no BYE; clients see their RTSP
 * connection close).
 *
 * SIGINT is ignored: Ctrl-C in a terminal reaches the whole process group, and the primary,
 * which got it too, decides how its workers stop.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Cause, Effect, Either, Exit, Layer } from "effect"
import { messageOf } from "../../common/errorText.js"
import { loggerLayer } from "../logging.js"
import { isPrimaryMessage, type PrimaryMessage, type WorkerMessage } from "./messages.js"
import { readWorkerEnv, type WorkerSettings } from "./workerEnv.js"
import { type PrimaryChannel, workerLayer } from "./workerServer.js"

const processChannel = (send: NonNullable<typeof process.send>): PrimaryChannel => ({
  send: (message: WorkerMessage) =>
    Effect.async<void>((resume) => {
      try {
        send.call(process, message, () => resume(Effect.void))
      } catch {
        // The channel closed: the primary is gone and there is no one left to tell.
        resume(Effect.void)
      }
    }),
  subscribe: (handler: (message: PrimaryMessage) => void) => {
    const listener = (message: unknown): void => {
      if (isPrimaryMessage(message)) handler(message)
    }
    process.on("message", listener)
    return () => void process.off("message", listener)
  }
})

/** Completes when the worker is to stop: on SIGTERM. */
const stopRequested: Effect.Effect<string> = Effect.async<string>((resume) => {
  const onSigterm = () => resume(Effect.succeed("SIGTERM"))
  process.once("SIGTERM", onSigterm)
  return Effect.sync(() => void process.off("SIGTERM", onSigterm))
})

const runWorker = (settings: WorkerSettings, channel: PrimaryChannel) => {
  const serve = Effect.scoped(Effect.zipRight(Layer.build(workerLayer(settings, channel)), Effect.never))
  return Effect.raceFirst(
    serve,
    Effect.flatMap(stopRequested, (why) => Effect.logInfo(`stopping (${why})`))
  ).pipe(
    Effect.tapError((error) => channel.send({ _tag: "StartFailed", message: error.message })),
    Effect.tapDefect((defect) => Effect.logError("worker failed", Cause.die(defect))),
    Effect.provide(NodeContext.layer),
    Effect.provide(loggerLayer({ ...settings.logging, messagePrefix: `worker ${settings.index}: ` }))
  )
}

const main = (): void => {
  const settings = readWorkerEnv(process.env)
  const send = process.send
  if (Either.isLeft(settings) || send === undefined) {
    const why = Either.isLeft(settings) ? settings.left : "no IPC channel"
    process.stderr.write(`effect-rtsp worker: ${why}; workers are started by \`effect-rtsp serve --workers N\`\n`)
    process.exitCode = 2
    return
  }
  process.on("SIGINT", () => undefined)
  // Nothing else may hold the event loop open while the server starts (runMain does the same).
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1)
  const fiber = Effect.runFork(runWorker(settings.right, processChannel(send)))
  fiber.addObserver((exit) => {
    clearInterval(keepAlive)
    if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
      process.stderr.write(`effect-rtsp worker ${settings.right.index}: ${messageOf(Cause.squash(exit.cause))}\n`)
    }
    process.exit(Exit.isSuccess(exit) ? 0 : 1)
  })
}

main()
