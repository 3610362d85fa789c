/**
 * SIGHUP while serving: the users file and the TLS certificate are read again (each logs what it
 * did, or why it kept the one in force). The listener lives as long as the layer, so a server
 * that stopped leaves no handler behind.
 */
import { Effect, FiberSet, Layer } from "effect"
import * as RtspServer from "../server/RtspServer.js"

export const reloadOnHangup: Layer.Layer<never, never, RtspServer.RtspServer> = Layer.scopedDiscard(
  Effect.gen(function* () {
    const info = yield* RtspServer.RtspServer
    const run = yield* FiberSet.makeRuntime<never>()
    const onHangup = (): void => {
      run(Effect.logInfo("SIGHUP: reading the users file and the TLS certificate again").pipe(Effect.zipRight(info.reloadUsers), Effect.zipRight(info.reloadTls)))
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("SIGHUP", onHangup)),
      () => Effect.sync(() => process.off("SIGHUP", onHangup))
    )
  })
)
