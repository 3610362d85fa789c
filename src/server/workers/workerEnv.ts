/**
 * How a forked worker learns who it is and what to serve: two environment variables the primary
 * sets (cluster.fork(env)). The index is plain text; the settings are JSON, decoded with a Schema
 * whose type must be exactly ServerConfig, so a new config field cannot be dropped on the way.
 */
import { Either, ParseResult, Schema } from "effect"
import type { ServerConfig } from "../config.js"
import { LOG_FORMATS, LOG_LEVEL_NAMES, type LoggingOptions } from "../logging.js"

export const WORKER_INDEX_ENV = "EFFECT_RTSP_WORKER_INDEX"
export const WORKER_SETTINGS_ENV = "EFFECT_RTSP_WORKER_SETTINGS"

export interface WorkerSettings {
  readonly index: number
  readonly server: ServerConfig
  readonly logging: LoggingOptions
}

const serverConfigSchema: Schema.Schema<ServerConfig> = Schema.Struct({
  host: Schema.String,
  port: Schema.Number,
  mediaRoot: Schema.String,
  fps: Schema.UndefinedOr(Schema.Number),
  mtu: Schema.Number,
  rtpPort: Schema.Number,
  loop: Schema.Boolean,
  live: Schema.Array(Schema.String),
  liveEpochMillis: Schema.UndefinedOr(Schema.Number),
  publish: Schema.Boolean,
  publishFrom: Schema.Array(Schema.String),
  publisherTimeoutSeconds: Schema.Number,
  multicast: Schema.Boolean,
  multicastRange: Schema.String,
  multicastPort: Schema.Number,
  multicastTtl: Schema.Number,
  impair: Schema.UndefinedOr(Schema.String),
  // The path, not the profiles: each worker reads the file at its start, as it scans mediaRoot.
  impairmentsFile: Schema.UndefinedOr(Schema.String),
  usersFile: Schema.UndefinedOr(Schema.String),
  allowBasicCleartext: Schema.Boolean,
  nonceLifetimeSeconds: Schema.Number,
  authBackoff: Schema.Struct({ freeFailures: Schema.Number, baseMillis: Schema.Number, maxMillis: Schema.Number }),
  sessionTimeoutSeconds: Schema.Number,
  maxSessions: Schema.Number,
  maxConnectionsPerAddress: Schema.Number,
  maxSessionsPerAddress: Schema.Number,
  maxRequestsPerSecond: Schema.Number,
  maxBufferedBytes: Schema.Number,
  limitsExempt: Schema.Array(Schema.String),
  maxConnections: Schema.Number,
  maxHeaderBytes: Schema.Number,
  idleConnectionTimeoutSeconds: Schema.Number,
  tcpQueueFrames: Schema.Number,
  httpPort: Schema.UndefinedOr(Schema.Number),
  udpBatching: Schema.Boolean,
  // Carried so the Schema stays exactly ServerConfig; serve refuses RTSPS with --workers above 1 for now (no reload in workers).
  tlsCert: Schema.UndefinedOr(Schema.String),
  tlsKey: Schema.UndefinedOr(Schema.String),
  tlsPort: Schema.Number,
  allowUdpWithTls: Schema.Boolean
})

const settingsJson = Schema.parseJson(Schema.Struct({
  server: serverConfigSchema,
  logging: Schema.Struct({ level: Schema.Literal(...LOG_LEVEL_NAMES), format: Schema.Literal(...LOG_FORMATS) })
}))

/** The environment the primary forks worker `settings.index` with. */
export const workerEnv = (settings: WorkerSettings): Record<string, string> => ({
  [WORKER_INDEX_ENV]: String(settings.index),
  // JSON leaves out undefined values; the Schema reads a missing fps or httpPort as undefined.
  [WORKER_SETTINGS_ENV]: JSON.stringify({ server: settings.server, logging: { level: settings.logging.level, format: settings.logging.format } })
})

/** The settings in `env`; Left says what is missing or wrong. */
export const readWorkerEnv = (env: Readonly<Record<string, string | undefined>>): Either.Either<WorkerSettings, string> => {
  const indexText = env[WORKER_INDEX_ENV]
  if (indexText === undefined || !/^\d+$/.test(indexText)) return Either.left(`${WORKER_INDEX_ENV} must be a worker index, got ${JSON.stringify(indexText ?? null)}`)
  const json = env[WORKER_SETTINGS_ENV]
  if (json === undefined) return Either.left(`${WORKER_SETTINGS_ENV} is not set`)
  return Schema.decodeUnknownEither(settingsJson)(json).pipe(
    Either.mapBoth({
      onLeft: (error) => `${WORKER_SETTINGS_ENV}: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
      onRight: ({ server, logging }) => ({ index: Number(indexText), server, logging })
    })
  )
}
