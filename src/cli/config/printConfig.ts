/**
 * What `config print` shows: the settings serve would run with, as a config
 * file (YAML) that could be fed back, each value commented with where it came
 * from. Settings are paths and numbers only: the passwords' hashes live in the
 * users file and the TLS key in its own file, neither of which is read here.
 */
import { stringify } from "yaml"
import type { ServeSettings } from "../serve.js"
import { SETTING_KEYS, type SettingKey } from "./settingKeys.js"
import type { ConfigValues } from "./configFile.js"

export type SettingSource = "flag" | "environment" | "file" | "default"

export interface SourceFacts {
  readonly args: ReadonlyArray<string>
  readonly env: NodeJS.ProcessEnv
  readonly file: ConfigValues
}

/** The setting's flag is on the command line (a flag beats everything else). */
export const givenAsFlag = (key: SettingKey, args: ReadonlyArray<string>): boolean =>
  args.some((arg) => arg === key.flag || arg.startsWith(`${key.flag}=`))

export const sourceOf = (key: SettingKey, facts: SourceFacts): SettingSource => {
  if (givenAsFlag(key, facts.args)) return "flag"
  if (facts.env[key.env] !== undefined && facts.env[key.env] !== "") return "environment"
  return facts.file.has(key.env) ? "file" : "default"
}

/** The file's form of a value (on|off as booleans); undefined: not set. */
const fileValue = (key: SettingKey, value: unknown): unknown => {
  if (key.kind._tag === "OnOff" && (value === "on" || value === "off")) return value === "on"
  if (typeof value === "boolean" && key.kind._tag === "OnOff") return value
  return Array.isArray(value) ? [...value] : value
}

/** One value as YAML: scalars as the yaml library writes them, lists in flow style. */
const yamlValue = (value: unknown): string =>
  Array.isArray(value) ? JSON.stringify(value) : stringify(value).trimEnd()

const originOf = (key: SettingKey, facts: SourceFacts, fileName: string | undefined): string => {
  const source = sourceOf(key, facts)
  return source === "flag" ? key.flag : source === "environment" ? key.env : source === "file" ? `from ${fileName ?? "the file"}` : "default"
}

export const printConfig = (settings: ServeSettings, facts: SourceFacts, fileName: string | undefined): string => {
  const lines = ["# effective settings of effect-rtsp serve; each line says where it came from"]
  const unset: Array<string> = []
  let group = ""
  for (const key of SETTING_KEYS) {
    const value = fileValue(key, key.read(settings))
    if (value === undefined) {
      unset.push(key.path)
      continue
    }
    const [first = "", second] = key.path.split(".")
    if (second !== undefined && first !== group) lines.push(`${first}:`)
    group = second === undefined ? "" : first
    lines.push(`${second === undefined ? "" : "  "}${second ?? first}: ${yamlValue(value)}  # ${originOf(key, facts, fileName)}`)
  }
  if (unset.length > 0) lines.push(`# not set: ${unset.join(", ")}`)
  return lines.join("\n")
}
