/**
 * The settings a running server takes without a restart (a SIGHUP's reload of the config file):
 * those read where they are used, from `ctx.config`. Everything else (ports, folders, the users
 * file's path, TLS files' paths, logging) is fixed at start.
 */
import type { ServerConfig } from "./config.js"
import type { ServerContext } from "./context.js"

export const LIVE_SETTINGS = [
  "maxSessions",
  "maxConnections",
  "maxConnectionsPerAddress",
  "maxSessionsPerAddress",
  "maxRequestsPerSecond",
  "maxBufferedBytes",
  "allowBasicCleartext"
] as const satisfies ReadonlyArray<keyof ServerConfig>

export type LiveSetting = (typeof LIVE_SETTINGS)[number]
export type LiveChanges = Partial<Pick<ServerConfig, LiveSetting>>

export const isLiveSetting = (field: string): field is LiveSetting => (LIVE_SETTINGS as ReadonlyArray<string>).includes(field)

/** Puts the changes in force at once: the next request, connection or check reads them. */
export const applyLiveSettings = (ctx: ServerContext, changes: LiveChanges): void => {
  ctx.config = { ...ctx.config, ...changes }
}
