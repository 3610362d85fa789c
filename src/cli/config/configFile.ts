/**
 * The config file (`--config FILE` or RTSP_CONFIG): YAML or JSON (JSON is YAML),
 * shaped like the rows of settingKeys.ts, checked with a Schema built from them
 * (unknown keys are errors, so a typo is never silently ignored). Its values
 * become the settings' variables: a ConfigProvider under the environment's.
 */
import { ConfigProvider, Data, Effect, Either, ParseResult, Schema } from "effect"
import { readFile } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { parse as parseYaml, YAMLParseError } from "yaml"
import { CONFIG_ENV, SETTING_KEYS, type SettingKey, type SettingKind } from "./settingKeys.js"

export class ConfigFileError extends Data.TaggedError("ConfigFileError")<{
  readonly file: string
  /** Each problem with its place in the file: "listen.port: Expected an integer, actual \"x\"". */
  readonly problems: ReadonlyArray<string>
}> {
  override get message(): string {
    return `config file ${this.file}: ${this.problems.join("; ")}`
  }
}

/** The file's settings, by variable name, as the variables would hold them. */
export type ConfigValues = ReadonlyMap<string, string>

const Integer = Schema.Int

/** A message that replaces what a union's members would each say. */
const overriding = (message: string) => ({ message: () => ({ message, override: true }) })
const ON_OFF = Schema.Union(Schema.Boolean, Schema.Literal("on", "off")).annotations(overriding("expected true or false (or on, off)"))

const schemaOf = (kind: SettingKind): Schema.Schema.All => {
  switch (kind._tag) {
    case "Integer":
      return Integer
    case "Number":
      return Schema.Number
    case "Boolean":
      return Schema.Boolean
    case "OnOff":
      return ON_OFF
    case "Text":
    case "Path":
      return Schema.NonEmptyString
    case "List":
      return Schema.Array(Schema.NonEmptyString).annotations(overriding("expected a list of texts ([a, b])"))
    case "Choice":
      return Schema.Literal(...kind.choices).annotations(overriding(`expected one of ${kind.choices.join(", ")}`))
    case "IntegerOr":
      return Schema.Union(Integer, Schema.Literal(...kind.words)).annotations(overriding(`expected an integer or ${kind.words.join(", ")}`))
  }
}

type Fields = Record<string, Schema.Schema.All | Schema.PropertySignature.All>

/** The file's Schema: nested structs by the rows' dotted paths, every key optional. */
const fileSchema = (keys: ReadonlyArray<SettingKey>): Schema.Schema.All => {
  const build = (prefix: string): Schema.Schema.All => {
    const fields: Fields = {}
    const groups = new Set<string>()
    for (const key of keys) {
      if (!key.path.startsWith(prefix)) continue
      const rest = key.path.slice(prefix.length)
      const dot = rest.indexOf(".")
      if (dot < 0) fields[rest] = Schema.optional(schemaOf(key.kind))
      else groups.add(rest.slice(0, dot))
    }
    for (const group of groups) fields[group] = Schema.optional(build(`${prefix}${group}.`))
    return Schema.Struct(fields)
  }
  return build("")
}

const decodeFile = Schema.decodeUnknownEither(Schema.asSchema(fileSchema(SETTING_KEYS)) as Schema.Schema<unknown>, { errors: "all", onExcessProperty: "error" })

const valueAt = (tree: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((node, part) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[part] : undefined), tree)

/** A checked value as its variable holds it; paths taken from the file's folder. */
const asVariable = (kind: SettingKind, value: unknown, folder: string): string => {
  switch (kind._tag) {
    case "OnOff":
      return value === true ? "on" : value === false ? "off" : String(value)
    case "Path":
      return resolve(folder, String(value))
    case "List":
      return (value as ReadonlyArray<string>).join(",")
    default:
      return String(value)
  }
}

/** The problems in a file's text, or its settings by variable; pure, for `config check` and the tests. */
export const readConfigText = (text: string, file: string): Either.Either<ConfigValues, ReadonlyArray<string>> => {
  let tree: unknown
  try {
    tree = parseYaml(text)
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos !== undefined ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}: ` : ""
    return Either.left([`${where}${error instanceof Error ? error.message.split("\n")[0] : String(error)}`])
  }
  // An empty file is an empty config.
  const decoded = decodeFile(tree ?? {})
  if (Either.isLeft(decoded)) {
    // Every key is optional, so each wrong value is also reported as "not undefined": that half says nothing.
    return Either.left(ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
      .filter((issue) => !issue.message.startsWith("Expected undefined"))
      .map((issue) => `${issue.path.length === 0 ? "(top)" : issue.path.map(String).join(".")}: ${issue.message}`))
  }
  const values = new Map<string, string>()
  for (const key of SETTING_KEYS) {
    const value = valueAt(decoded.right, key.path)
    if (value !== undefined) values.set(key.env, asVariable(key.kind, value, dirname(resolve(file))))
  }
  return Either.right(values)
}

export const readConfigFile = (file: string): Effect.Effect<ConfigValues, ConfigFileError> =>
  Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: (cause) => new ConfigFileError({ file, problems: [cause instanceof Error ? cause.message : String(cause)] })
  }).pipe(
    Effect.flatMap((text) => Either.match(readConfigText(text, file), {
      onLeft: (problems) => Effect.fail(new ConfigFileError({ file, problems })),
      onRight: Effect.succeed
    }))
  )

/** The environment first, then the file: what the flags fall back to, in that order. */
export const providerWith = (values: ConfigValues, environment: ConfigProvider.ConfigProvider = ConfigProvider.fromEnv()): ConfigProvider.ConfigProvider =>
  ConfigProvider.orElse(environment, () => ConfigProvider.fromMap(new Map(values)))

/** `--config FILE` / `--config=FILE` anywhere in the arguments, else RTSP_CONFIG; undefined when neither. */
export const configFileIn = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--config") return args[i + 1]
    if (arg.startsWith("--config=")) return arg.slice("--config=".length)
  }
  const fromEnv = env[CONFIG_ENV]
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv
}
