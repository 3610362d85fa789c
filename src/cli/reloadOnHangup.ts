/**
 * SIGHUP while serving: each configured file is read again, in order, and each step logs what it
 * did or why it kept the one in force. A new reload is one more entry in `reloadSteps`. The
 * listener lives as long as the layer, so a server that stopped leaves no handler behind.
 *
 * A cluster's primary serves nothing itself and its workers do not reload yet: there SIGHUP is
 * answered with a warning, since node's default for it would stop the primary and every worker.
 */
import { Effect, FiberSet, Layer } from "effect"
import { FileSystem } from "@effect/platform"
import type { ServerConfig } from "../server/config.js"
import { makeConfigReload } from "./config/reloadConfig.js"
import type { ServeSettings } from "./serve.js"
import * as RtspServer from "../server/RtspServer.js"

export interface ReloadStep {
  /** For the log line: "the users file". */
  readonly what: string
  readonly run: Effect.Effect<void>
}

/** The config file serve was started with, and what it started with, for that file's reload. */
export interface ConfigFileReload {
  readonly file: string
  readonly settings: ServeSettings
  /** serve's command line: a flag on it keeps its setting whatever the file says. */
  readonly args: ReadonlyArray<string>
  readonly fs: FileSystem.FileSystem
}

/** What SIGHUP reads again: only the files this server was given, the config file first. */
export const reloadSteps = (config: ServerConfig, info: RtspServer.RtspServerInfo, configFile?: ConfigFileReload): ReadonlyArray<ReloadStep> => [
  ...(configFile === undefined
    ? []
    : [{ what: "the config file", run: Effect.provideService(makeConfigReload(configFile.file, configFile.settings, info, configFile.args), FileSystem.FileSystem, configFile.fs) }]),
  ...(config.usersFile === undefined ? [] : [{ what: "the users file", run: info.reloadUsers }]),
  ...(info.tlsPort === undefined ? [] : [{ what: "the TLS certificate and key", run: info.reloadTls }])
]

const onHangup = (handler: Effect.Effect<void>): Layer.Layer<never> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const run = yield* FiberSet.makeRuntime<never>()
      const listener = (): void => void run(handler)
      yield* Effect.acquireRelease(
        Effect.sync(() => process.on("SIGHUP", listener)),
        () => Effect.sync(() => process.off("SIGHUP", listener))
      )
    })
  )

const runSteps = (steps: ReadonlyArray<ReloadStep>): Effect.Effect<void> =>
  steps.length === 0
    ? Effect.logInfo("SIGHUP: nothing to read again (no config file, users file or TLS certificate)")
    : Effect.zipRight(
      Effect.logInfo(`SIGHUP: reading ${steps.map((step) => step.what).join(" and ")} again`),
      Effect.forEach(steps, (step) => step.run, { discard: true })
    )

export const reloadOnHangup = (config: ServerConfig, configFile?: Omit<ConfigFileReload, "fs">): Layer.Layer<never, never, RtspServer.RtspServer | FileSystem.FileSystem> =>
  Layer.unwrapEffect(Effect.gen(function* () {
    const info = yield* RtspServer.RtspServer
    const fs = yield* FileSystem.FileSystem
    return onHangup(runSteps(reloadSteps(config, info, configFile === undefined ? undefined : { ...configFile, fs })))
  }))

/** --workers above 1: the primary stays up and says that nothing was read again. */
export const hangupInCluster: Layer.Layer<never> = onHangup(
  Effect.logWarning("SIGHUP: a cluster (--workers above 1) reads no file again yet; restart it to take changed files, or run with --workers 1")
)
