/** serve's logging: resolveLogLevel precedence and loggerLayer's json, pretty and none output. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Option } from "effect"
import { vi } from "vitest"
import { resolveLogLevel } from "../../src/cli/serve.js"
import { loggerLayer } from "../../src/server/logging.js"

describe("resolveLogLevel", () => {
  it("prefers serve's flag, then the built-in flag, then RTSP_LOG_LEVEL, then info", () => {
    expect(resolveLogLevel(Option.some("error"), LogLevel.Debug, Option.some("trace"))).toBe("error")
    expect(resolveLogLevel(Option.none(), LogLevel.Debug, Option.some("trace"))).toBe("debug")
    expect(resolveLogLevel(Option.none(), LogLevel.Warning, Option.none())).toBe("warning")
    expect(resolveLogLevel(Option.none(), LogLevel.Info, Option.some("trace"))).toBe("trace")
    expect(resolveLogLevel(Option.none(), LogLevel.Info, Option.none())).toBe("info")
    expect(resolveLogLevel(Option.none(), LogLevel.None, Option.none())).toBe("none")
  })
})

/** Runs `effect` with console output captured; returns what went to console.log and console.error. */
const captureConsole = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const out = { stdout: new Array<string>(), stderr: new Array<string>() }
      const spies = [
        vi.spyOn(console, "log").mockImplementation((...a: Array<unknown>) => void out.stdout.push(a.map(String).join(" "))),
        vi.spyOn(console, "error").mockImplementation((...a: Array<unknown>) => void out.stderr.push(a.map(String).join(" ")))
      ]
      return { out, spies }
    }),
    ({ out }) => Effect.as(effect, out),
    ({ spies }) => Effect.sync(() => spies.forEach((s) => s.mockRestore()))
  )

const logSomeLines = Effect.gen(function*() {
  yield* Effect.logDebug("debug line")
  yield* Effect.logInfo("info line")
  yield* Effect.logWarning("warning line").pipe(Effect.annotateLogs({ session: "S1" }))
  yield* Effect.logError("error line")
})

describe("loggerLayer", () => {
  it.effect("json: one JSON object per line on stderr, from the minimum level up", () =>
    Effect.gen(function*() {
      const out = yield* captureConsole(logSomeLines.pipe(Effect.provide(loggerLayer({ level: "warning", format: "json" }))))
      expect(out.stdout).toEqual([])
      const lines = out.stderr.map((line) => JSON.parse(line) as { message: unknown; logLevel: string; annotations: Record<string, unknown> })
      expect(lines.map((l) => [l.message, l.logLevel])).toEqual([["warning line", "WARN"], ["error line", "ERROR"]])
      expect(lines[0]?.annotations).toEqual({ session: "S1" })
    }))

  it.effect("pretty: readable lines on stderr; debug shows when asked for", () =>
    Effect.gen(function*() {
      const out = yield* captureConsole(logSomeLines.pipe(Effect.provide(loggerLayer({ level: "debug", format: "pretty" }))))
      expect(out.stdout).toEqual([])
      const text = out.stderr.join("\n")
      for (const line of ["debug line", "info line", "warning line", "error line"]) expect(text).toContain(line)
      expect(text).toContain("DEBUG")
      expect(() => JSON.parse(out.stderr[0] ?? "")).toThrow()
    }))

  it.effect("pretty: one console call per entry, its annotations and cause indented under the first line", () =>
    Effect.gen(function*() {
      const out = yield* captureConsole(
        Effect.logWarning("session ended", new Error("gone")).pipe(
          Effect.annotateLogs({ media: "movie.Mjpeg" }),
          Effect.provide(loggerLayer({ level: "info", format: "pretty" }))
        )
      )
      expect(out.stderr.length).toBe(1)
      const [first, ...rest] = (out.stderr[0] ?? "").split("\n")
      expect(first).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN \(#\d+\): session ended$/)
      expect(rest).toContain("  media: movie.Mjpeg")
      expect(rest).toContain("  Error: gone")
      expect(rest.every((line) => line.startsWith("  "))).toBe(true)
    }))

  it.effect("takes the place of the default logger and of the pretty one NodeRuntime.runMain installs", () =>
    Effect.gen(function*() {
      for (const installed of [Logger.defaultLogger, Logger.prettyLoggerDefault]) {
        const out = yield* captureConsole(
          Effect.logInfo("once").pipe(
            Effect.provide(loggerLayer({ level: "info", format: "json" })),
            Effect.provide(Logger.replace(Logger.defaultLogger, installed))
          )
        )
        expect(out.stdout).toEqual([])
        expect(out.stderr.map((l) => (JSON.parse(l) as { message: unknown }).message)).toEqual(["once"])
      }
    }))

  it.effect("none: logs nothing", () =>
    Effect.gen(function*() {
      const out = yield* captureConsole(logSomeLines.pipe(Effect.provide(loggerLayer({ level: "none", format: "json" }))))
      expect(out).toEqual({ stdout: [], stderr: [] })
    }))

  it.live("applies to layers built under it", () =>
    Effect.gen(function*() {
      const logsWhileBuilding = Layer.effectDiscard(Effect.logInfo("built"))
      const out = yield* captureConsole(
        Layer.launch(logsWhileBuilding).pipe(
          Effect.timeout("50 millis"),
          Effect.ignore,
          Effect.provide(loggerLayer({ level: "info", format: "json" }))
        )
      )
      expect(out.stderr.map((l) => (JSON.parse(l) as { message: unknown }).message)).toEqual(["built"])
    }))
})
