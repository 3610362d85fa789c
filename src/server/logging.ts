/**
 * How the server logs: one line per event (or a short block for pretty
 * output) on stderr, so stdout stays free for what a command prints as its
 * result. "pretty" is for people, "json" (one object per line) for log
 * collectors.
 */
import { Cause, Effect, FiberId, FiberRef, HashMap, HashSet, Inspectable, Layer, List, Logger, LogLevel, LogSpan } from "effect"
import { formatWithOptions } from "node:util"

/** The level names the CLI accepts (those of @effect/cli's built-in --log-level). */
export const LOG_LEVEL_NAMES = ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"] as const
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number]

export const LOG_FORMATS = ["pretty", "json"] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

export interface LoggingOptions {
  readonly level: LogLevelName
  readonly format: LogFormat
  /** Put before every message (a cluster worker's "worker 1: "), so interleaved lines say whose they are. */
  readonly messagePrefix?: string | undefined
}

const LEVELS: Readonly<Record<LogLevelName, LogLevel.LogLevel>> = {
  all: LogLevel.All,
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None
}

export const toLogLevel = (name: LogLevelName): LogLevel.LogLevel => LEVELS[name]

/** The name of a level as the CLI spells it ("warning" for LogLevel.Warning). */
export const logLevelName = (level: LogLevel.LogLevel): LogLevelName => level._tag.toLowerCase() as LogLevelName

export const isLogLevelName = (text: string): text is LogLevelName =>
  (LOG_LEVEL_NAMES as ReadonlyArray<string>).includes(text)

const twoDigits = (n: number): string => n.toString().padStart(2, "0")
const clockTime = (date: Date): string =>
  `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}.${date.getMilliseconds().toString().padStart(3, "0")}`

const LEVEL_COLORS: Readonly<Record<LogLevel.LogLevel["_tag"], string>> = {
  None: "",
  All: "",
  Trace: "90",
  Debug: "34",
  Info: "32",
  Warning: "33",
  Error: "31",
  Fatal: "101;30"
}

/** The block under the first line, indented as console.group would. */
const indented = (text: string): string => text.replace(/^/gm, "  ")

/**
 * Effect's pretty layout (time, level, fiber, spans, message, then cause, further parts and
 * annotations indented under it), rendered into one string and written with one console.error.
 * Effect's own pretty logger makes a console call per line plus group and groupEnd: in a storm of
 * sessions that was a seventh of the server's CPU.
 */
const prettyBlockLogger = (colors: boolean): Logger.Logger<unknown, void> => {
  const paint = (text: string, codes: string): string => (colors && codes !== "" ? `\x1b[${codes}m${text}\x1b[0m` : text)
  return Logger.make(({ annotations, cause, date, fiberId, logLevel, message, spans }) => {
    const parts: ReadonlyArray<unknown> = Array.isArray(message) ? message : [message]
    let first = `${paint(`[${clockTime(date)}]`, "37")} ${paint(logLevel.label, LEVEL_COLORS[logLevel._tag])} (${FiberId.threadName(fiberId)})`
    if (List.isCons(spans)) {
      const render = LogSpan.render(date.getTime())
      for (const span of spans) first += " " + render(span)
    }
    first += ":"
    let next = 0
    if (typeof parts[0] === "string") {
      first += " " + paint(parts[0], "1;36")
      next = 1
    }
    const block: Array<string> = []
    if (!Cause.isEmpty(cause)) block.push(Cause.pretty(cause, { renderErrorCause: true }))
    for (; next < parts.length; next++) block.push(formatWithOptions({ colors }, Inspectable.redact(parts[next])))
    for (const [key, value] of HashMap.toEntries(annotations)) block.push(formatWithOptions({ colors }, paint(`${key}:`, "1;37"), Inspectable.redact(value)))
    console.error(block.length === 0 ? first : `${first}\n${indented(block.join("\n"))}`)
  })
}

const loggerFor = (format: LogFormat): Logger.Logger<unknown, void> =>
  format === "json" ? Logger.withConsoleError(Logger.jsonLogger) : prettyBlockLogger(process.stderr.isTTY === true)

/** Effect hands loggers the arguments of Effect.log* as an array; the prefix joins the first text. */
export const withMessagePrefix = (prefix: string, message: unknown): unknown => {
  const parts: ReadonlyArray<unknown> = Array.isArray(message) ? message : [message]
  const [first, ...rest] = parts
  return typeof first === "string" ? [prefix + first, ...rest] : [prefix.trimEnd(), ...parts]
}

const prefixed = (logger: Logger.Logger<unknown, void>, prefix: string | undefined): Logger.Logger<unknown, void> =>
  prefix === undefined ? logger : Logger.mapInput(logger, (message: unknown) => withMessagePrefix(prefix, message))

/**
 * Replaces the default logger with the chosen format (on stderr) and sets the
 * minimum level. NodeRuntime.runMain has already swapped the default logger
 * for its pretty one (on stdout), so both are taken out; other loggers (the
 * tracer's) stay. One effect makes both changes, in order: two merged
 * layers build concurrently, and their FiberRef patches were seen to add the
 * removed pretty logger back.
 */
export const loggerLayer = (options: LoggingOptions): Layer.Layer<never> =>
  Layer.scopedDiscard(
    Effect.zipRight(
      Effect.locallyScopedWith(FiberRef.currentLoggers, (loggers) =>
        loggers.pipe(
          HashSet.remove(Logger.defaultLogger),
          HashSet.remove(Logger.prettyLoggerDefault),
          HashSet.add(prefixed(loggerFor(options.format), options.messagePrefix))
        )),
      Effect.locallyScoped(FiberRef.currentMinimumLogLevel, toLogLevel(options.level))
    )
  )
