/**
 * SIGHUP's reading of the config file. A file that does not check out (its shape, or a value
 * serve would refuse) is logged and the settings in force kept. A good one is compared with the
 * settings in force, setting by setting (a flag given on the command line still wins, so its
 * setting never changes): the live settings (limits, Basic on plain RTSP) take effect at once;
 * every other change is logged as waiting for a restart. Running sessions are never dropped; the
 * users file's own reload (the next step) ends what a revoked permission no longer allows.
 */
import type { FileSystem } from "@effect/platform"
import { Effect, Either } from "effect"
import type { LiveChanges, LiveSetting } from "../../server/liveSettings.js"
import type { RtspServerInfo } from "../../server/RtspServer.js"
import { settingsWithoutFlags, type ServeSettings } from "../serve.js"
import { providerWith, readConfigFile } from "./configFile.js"
import { inFileTerms, validationText } from "./messages.js"
import { givenAsFlag } from "./printConfig.js"
import { SETTING_KEYS } from "./settingKeys.js"

/** Where each live setting sits in the file. */
const PATH_OF: Readonly<Record<LiveSetting, string>> = {
  maxSessions: "limits.maxSessions",
  maxConnections: "limits.maxConnections",
  maxConnectionsPerAddress: "limits.maxConnectionsPerAddress",
  maxSessionsPerAddress: "limits.maxSessionsPerAddress",
  maxRequestsPerSecond: "limits.maxRequestsPerSecond",
  maxBufferedBytes: "limits.maxBufferedBytes",
  allowBasicCleartext: "auth.allowBasicCleartext"
}
const LIVE_BY_PATH = new Map(Object.entries(PATH_OF).map(([field, path]) => [path, field as LiveSetting]))

export interface SettingsChange {
  readonly path: string
  readonly from: unknown
  readonly to: unknown
}

/** What differs between the settings in force and the file's, split into what applies now and what waits for a restart. */
export const compareSettings = (inForce: ServeSettings, next: ServeSettings, args: ReadonlyArray<string>): { readonly live: LiveChanges; readonly applied: ReadonlyArray<SettingsChange>; readonly atRestart: ReadonlyArray<SettingsChange> } => {
  const live: Record<string, unknown> = {}
  const applied: Array<SettingsChange> = []
  const atRestart: Array<SettingsChange> = []
  for (const key of SETTING_KEYS) {
    if (givenAsFlag(key, args)) continue
    const from = key.read(inForce)
    const to = key.read(next)
    if (JSON.stringify(from) === JSON.stringify(to)) continue
    const field = LIVE_BY_PATH.get(key.path)
    if (field === undefined) {
      atRestart.push({ path: key.path, from, to })
    } else {
      live[field] = next.server[field]
      applied.push({ path: key.path, from, to })
    }
  }
  return { live: live as LiveChanges, applied, atRestart }
}

const said = (changes: ReadonlyArray<SettingsChange>): string =>
  changes.map((c) => `${c.path} ${JSON.stringify(c.from) ?? "unset"} → ${JSON.stringify(c.to) ?? "unset"}`).join(", ")

/** The reload of `file`, against the settings serve started with (and, after a reload, the ones then in force). */
export const makeConfigReload = (file: string, started: ServeSettings, info: RtspServerInfo, args: ReadonlyArray<string>): Effect.Effect<void, never, FileSystem.FileSystem> => {
  let inForce = started
  return Effect.gen(function* () {
    const values = yield* Effect.either(readConfigFile(file))
    if (Either.isLeft(values)) return yield* Effect.logError(`config file not reloaded, the settings in force are kept: ${values.left.message}`)
    const next = yield* Effect.either(Effect.withConfigProvider(settingsWithoutFlags, providerWith(values.right)))
    if (Either.isLeft(next)) {
      return yield* Effect.logError(`config file not reloaded, the settings in force are kept: config file ${file}: ${inFileTerms(validationText(next.left))}`)
    }
    const { live, applied, atRestart } = compareSettings(inForce, next.right, args)
    yield* info.reconfigure(live)
    inForce = { ...inForce, server: { ...inForce.server, ...live } }
    const parts = [
      applied.length === 0 ? "" : `applied ${said(applied)}`,
      atRestart.length === 0 ? "" : `takes effect at restart: ${said(atRestart)}`
    ].filter((part) => part !== "")
    yield* Effect.logInfo(`config file ${file} reloaded: ${parts.length === 0 ? "no setting changed" : parts.join("; ")}`)
  })
}
