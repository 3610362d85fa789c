import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { connect, createServer, type Server } from "node:net"
import { vi } from "vitest"
import { makeServeCommand, resolveLogLevel, serveConfigFrom, serveLayer } from "../../src/cli/serve.js"
import type { ServeOptions, ServeSettings } from "../../src/cli/serve.js"
import { defaultServerConfig } from "../../src/server/config.js"
import { loggerLayer } from "../../src/server/logging.js"
import { Metrics } from "../../src/server/Metrics.js"
import { RtspServer } from "../../src/server/RtspServer.js"
import { cli } from "./runCli.js"

interface Parsed {
  readonly code: number
  readonly settings: ServeSettings | undefined
  readonly stderr: string
}

/**
 * Runs `effect-rtsp serve <args>` in-process with `env` as the only environment,
 * through a serve command whose handler records its settings instead of serving.
 */
const serve = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Effect.Effect<Parsed> =>
  Effect.gen(function*() {
    let settings: ServeSettings | undefined
    const root = Command.make("effect-rtsp").pipe(
      Command.withSubcommands([makeServeCommand((s) => Effect.sync(() => void (settings = s)))])
    )
    const run = Command.run(root, { name: "effect-rtsp", version: "test" })
    const stderr: Array<string> = []
    const spies = [
      vi.spyOn(console, "error").mockImplementation((...a: Array<unknown>) => void stderr.push(a.map(String).join(" "))),
      vi.spyOn(console, "log").mockImplementation(() => undefined)
    ]
    const code = yield* run(["node", "effect-rtsp", "serve", ...args]).pipe(
      Effect.as(0),
      Effect.catchAll(() => Effect.succeed(1)),
      Effect.provide(NodeContext.layer),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
      Effect.ensuring(Effect.sync(() => spies.forEach((s) => s.mockRestore())))
    )
    return { code, settings, stderr: stderr.join("\n") }
  })

/** Same, but the settings must have been produced. */
const settingsOf = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.flatMap(serve(args, env), (parsed) => {
    expect(parsed.stderr).toBe("")
    expect(parsed.code).toBe(0)
    expect(parsed.settings).toBeDefined()
    return Effect.succeed(parsed.settings!)
  })

const allFlags = [
  "--host", "127.0.0.1",
  "--port", "9554",
  "--media", "/srv/media",
  "--fps", "12.5",
  "--mtu", "1200",
  "--rtp-port", "7000",
  "--loop",
  "--session-timeout", "30",
  "--max-sessions", "10",
  "--max-connections", "20",
  "--log-format", "json",
  "--http-port", "9100"
]

const allEnv: Record<string, string> = {
  RTSP_HOST: "10.0.0.5",
  RTSP_PORT: "10554",
  RTSP_MEDIA: "/env/media",
  RTSP_FPS: "24",
  RTSP_MTU: "900",
  RTSP_RTP_PORT: "8000",
  RTSP_LOOP: "true",
  RTSP_SESSION_TIMEOUT: "45",
  RTSP_MAX_SESSIONS: "50",
  RTSP_MAX_CONNECTIONS: "60",
  RTSP_LOG_LEVEL: "debug",
  RTSP_LOG_FORMAT: "json",
  RTSP_HTTP_PORT: "9200"
}

describe("serveConfigFrom", () => {
  it("maps every option onto ServerConfig and keeps the defaults of settings without a flag", () => {
    const options: ServeOptions = {
      host: "::1",
      port: 0,
      media: "media",
      fps: Option.some(30),
      mtu: 500,
      rtpPort: 0,
      loop: true,
      sessionTimeout: 5,
      maxSessions: 1,
      maxConnections: 2,
      logFormat: "json",
      logLevel: Option.some("debug"),
      logLevelEnv: Option.none(),
      httpPort: Option.some(0)
    }
    expect(serveConfigFrom(options)).toEqual({
      ...defaultServerConfig,
      host: "::1",
      port: 0,
      mediaRoot: "media",
      fps: 30,
      mtu: 500,
      rtpPort: 0,
      loop: true,
      sessionTimeoutSeconds: 5,
      maxSessions: 1,
      maxConnections: 2,
      httpPort: 0
    })
    const none = serveConfigFrom({ ...options, fps: Option.none(), httpPort: Option.none() })
    expect([none.fps, none.httpPort]).toEqual([undefined, undefined])
  })
})

describe("effect-rtsp serve: flags and environment", () => {
  it.effect("uses the defaults with no flags and an empty environment", () =>
    Effect.gen(function*() {
      const settings = yield* settingsOf([])
      expect(settings.server).toEqual(defaultServerConfig)
      expect(settings.logging).toEqual({ level: "info", format: "pretty" })
    }))

  it.effect("takes every flag", () =>
    Effect.gen(function*() {
      const settings = yield* settingsOf(allFlags)
      expect(settings.server).toEqual({
        ...defaultServerConfig,
        host: "127.0.0.1",
        port: 9554,
        mediaRoot: "/srv/media",
        fps: 12.5,
        mtu: 1200,
        rtpPort: 7000,
        loop: true,
        sessionTimeoutSeconds: 30,
        maxSessions: 10,
        maxConnections: 20,
        httpPort: 9100
      })
      expect(settings.logging).toEqual({ level: "info", format: "json" })
    }))

  it.effect("takes every environment variable", () =>
    Effect.gen(function*() {
      const settings = yield* settingsOf([], allEnv)
      expect(settings.server).toEqual({
        ...defaultServerConfig,
        host: "10.0.0.5",
        port: 10554,
        mediaRoot: "/env/media",
        fps: 24,
        mtu: 900,
        rtpPort: 8000,
        loop: true,
        sessionTimeoutSeconds: 45,
        maxSessions: 50,
        maxConnections: 60,
        httpPort: 9200
      })
      expect(settings.logging).toEqual({ level: "debug", format: "json" })
    }))

  it.effect("a flag beats its environment variable", () =>
    Effect.gen(function*() {
      const settings = yield* settingsOf([...allFlags, "--log-level", "warning"], { ...allEnv, RTSP_LOOP: "false", RTSP_LOG_FORMAT: "pretty" })
      expect(settings.server).toEqual({
        ...defaultServerConfig,
        host: "127.0.0.1",
        port: 9554,
        mediaRoot: "/srv/media",
        fps: 12.5,
        mtu: 1200,
        rtpPort: 7000,
        loop: true,
        sessionTimeoutSeconds: 30,
        maxSessions: 10,
        maxConnections: 20,
        httpPort: 9100
      })
      expect(settings.logging).toEqual({ level: "warning", format: "json" })
    }))

  it.effect("mixes flags, environment and defaults per setting", () =>
    Effect.gen(function*() {
      const settings = yield* settingsOf(["--port", "0"], { RTSP_PORT: "1234", RTSP_MTU: "600" })
      expect(settings.server).toEqual({ ...defaultServerConfig, port: 0, mtu: 600 })
    }))

  it.effect.each([
    ["RTSP_LOOP=false", { RTSP_LOOP: "false" }, false],
    ["RTSP_LOOP=1", { RTSP_LOOP: "1" }, true],
    ["RTSP_LOOP=yes", { RTSP_LOOP: "yes" }, true]
  ] as const)("reads the boolean %s", ([, env, expected]) =>
    Effect.gen(function*() {
      expect((yield* settingsOf([], env)).server.loop).toBe(expected)
    }))

  it.effect("reads RTSP_LOG_LEVEL, in any case", () =>
    Effect.gen(function*() {
      expect((yield* settingsOf([], { RTSP_LOG_LEVEL: "error" })).logging.level).toBe("error")
      expect((yield* settingsOf([], { RTSP_LOG_LEVEL: "WARNING" })).logging.level).toBe("warning")
    }))

  // The built-in global --log-level takes the flag right after the command name; serve's own takes it elsewhere.
  it.effect.each([
    [["--log-level", "debug"]],
    [["--log-level=debug", "--port", "5"]],
    [["--log-level", "debug", "--port", "5"]],
    [["--port", "5", "--log-level", "debug"]],
    [["--loop", "--log-level=debug"]],
    [["--port", "5", "--log-level", "debug", "--mtu", "1000"]]
  ] as const)("takes --log-level wherever it is: %j, and it beats RTSP_LOG_LEVEL", ([args]) =>
    Effect.gen(function*() {
      expect((yield* settingsOf(args)).logging.level).toBe("debug")
      expect((yield* settingsOf(args, { RTSP_LOG_LEVEL: "error" })).logging.level).toBe("debug")
    }))
})

describe("effect-rtsp serve: invalid values", () => {
  it.effect.each([
    [["--port", "70000"], "--port (RTSP_PORT): must be an integer from 0 to 65535, got 70000"],
    [["--port", "-1"], "--port (RTSP_PORT): must be an integer from 0 to 65535, got -1"],
    [["--http-port", "65536"], "--http-port (RTSP_HTTP_PORT): must be an integer from 0 to 65535, got 65536"],
    [["--fps", "0"], "--fps (RTSP_FPS): must be a number above 0 and at most 240, got 0"],
    [["--fps", "241"], "--fps (RTSP_FPS): must be a number above 0 and at most 240, got 241"],
    [["--mtu", "199"], "--mtu (RTSP_MTU): must be an integer from 200 to 65000, got 199"],
    [["--mtu", "65001"], "--mtu (RTSP_MTU): must be an integer from 200 to 65000, got 65001"],
    [["--rtp-port", "6971"], "--rtp-port (RTSP_RTP_PORT): must be 0 (any free pair) or an even port up to 65534 (RTCP uses the next one), got 6971"],
    [["--rtp-port", "65536"], "--rtp-port (RTSP_RTP_PORT): must be an integer from 0 to 65535, got 65536"],
    [["--session-timeout", "0"], "--session-timeout (RTSP_SESSION_TIMEOUT): must be an integer from 1 to 86400, got 0"],
    [["--max-sessions", "0"], "--max-sessions (RTSP_MAX_SESSIONS): must be an integer from 1 to 1000000, got 0"],
    [["--max-connections", "0"], "--max-connections (RTSP_MAX_CONNECTIONS): must be an integer from 1 to 1000000, got 0"],
    [["--host", " "], "--host (RTSP_HOST): must not be empty"],
    [["--media", ""], "--media (RTSP_MEDIA): must not be empty"]
  ] as const)("rejects %j", ([args, message]) =>
    Effect.gen(function*() {
      const parsed = yield* serve(args)
      expect(parsed.code).toBe(1)
      expect(parsed.settings).toBeUndefined()
      expect(parsed.stderr).toContain(message)
    }))

  it.effect.each([
    [{ RTSP_PORT: "99999" }, "--port (RTSP_PORT): must be an integer from 0 to 65535, got 99999"],
    [{ RTSP_FPS: "-5" }, "--fps (RTSP_FPS): must be a number above 0 and at most 240, got -5"],
    [{ RTSP_RTP_PORT: "7001" }, "--rtp-port (RTSP_RTP_PORT): must be 0 (any free pair) or an even port"],
    [{ RTSP_HTTP_PORT: "100000" }, "--http-port (RTSP_HTTP_PORT): must be an integer from 0 to 65535, got 100000"],
    [{ RTSP_LOG_LEVEL: "loud" }, "RTSP_LOG_LEVEL: must be one of all, trace, debug, info, warning, error, fatal, none, got \"loud\""]
  ] as const)("rejects the environment %j", ([env, message]) =>
    Effect.gen(function*() {
      const parsed = yield* serve([], env)
      expect(parsed.code).toBe(1)
      expect(parsed.settings).toBeUndefined()
      expect(parsed.stderr).toContain(message)
    }))

  it.effect.each([
    [{ RTSP_PORT: "abc" }, "RTSP_PORT"],
    [{ RTSP_MTU: "1.5" }, "RTSP_MTU"],
    [{ RTSP_FPS: "fast" }, "RTSP_FPS"],
    [{ RTSP_LOOP: "maybe" }, "RTSP_LOOP"],
    [{ RTSP_LOG_FORMAT: "xml" }, "RTSP_LOG_FORMAT"]
  ] as const)("rejects the malformed environment %j, naming the variable", ([env, name]) =>
    Effect.gen(function*() {
      const parsed = yield* serve([], env)
      expect(parsed.code).toBe(1)
      expect(parsed.settings).toBeUndefined()
      expect(parsed.stderr).toContain(name)
    }))

  it.effect.each([
    [["--port", "abc"], "abc"],
    [["--log-format", "xml"], "pretty, json"],
    [["--port", "1", "--log-level", "loud"], "all, trace, debug, info, warning, error, fatal, none"],
    [["--log-level", "loud"], "all, trace, debug, info, warning, error, fatal, none"]
  ] as const)("rejects the malformed flag %j", ([args, expected]) =>
    Effect.gen(function*() {
      const parsed = yield* serve(args)
      expect(parsed.code).toBe(1)
      expect(parsed.settings).toBeUndefined()
      expect(parsed.stderr).toContain(expected)
    }))

  it.effect("is a subcommand of effect-rtsp, whose usage errors exit 1", () =>
    Effect.gen(function*() {
      const result = yield* cli("serve", "--port", "70000")
      expect(result.code).toBe(1)
      expect(result.stderr).toContain("--port (RTSP_PORT): must be an integer from 0 to 65535, got 70000")
    }))

  it.effect("lists its flags with their environment variables in --help", () =>
    Effect.gen(function*() {
      const result = yield* cli("serve", "--help")
      expect(result.code).toBe(0)
      for (const flag of ["--host", "--port", "--media", "--fps", "--mtu", "--rtp-port", "--loop", "--session-timeout", "--max-sessions", "--max-connections", "--log-format", "--http-port"]) {
        expect(result.stdout).toContain(flag)
      }
      for (const env of Object.keys(allEnv)) expect(result.stdout).toContain(env)
    }))
})

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

/** A port that was free a moment ago (the HTTP endpoint's port must be known before it starts). */
const freePort = Effect.async<number>((resume) => {
  const probe = createServer()
  probe.listen(0, "127.0.0.1", () => {
    const address = probe.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    probe.close(() => resume(Effect.succeed(port)))
  })
})

/** Sends one RTSP request and resolves with the first reply's text. */
const rtspExchange = (port: number, request: string) =>
  Effect.async<string, Error>((resume) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request))
    let received = ""
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1")
      if (received.includes("\r\n\r\n")) {
        socket.destroy()
        resume(Effect.succeed(received))
      }
    })
    socket.on("error", (error) => resume(Effect.fail(error)))
    return Effect.sync(() => socket.destroy())
  })

describe("serveLayer", () => {
  it.scopedLive("starts the RTSP server and the HTTP endpoint, sharing one Metrics", () =>
    Effect.gen(function*() {
      const httpPort = yield* freePort
      const context = yield* Layer.build(
        serveLayer({ ...defaultServerConfig, host: "127.0.0.1", port: 0, rtpPort: 0, httpPort, mediaRoot: "video" })
      ).pipe(Effect.provide(NodeContext.layer), Effect.provide(loggerLayer({ level: "none", format: "json" })))
      const server = Context.get(context, RtspServer)
      const metrics = Context.get(context, Metrics)
      expect(server.port).toBeGreaterThan(0)

      const reply = yield* rtspExchange(server.port, "OPTIONS rtsp://127.0.0.1/movie.Mjpeg RTSP/1.0\r\nCSeq: 1\r\n\r\n")
      expect(reply).toMatch(/^RTSP\/1\.0 200 /)
      expect(metrics.snapshot().requests).toEqual({ OPTIONS: 1 })

      const scrape = yield* Effect.promise(() => fetch(`http://127.0.0.1:${httpPort}/metrics`).then((r) => r.text()))
      expect(scrape.split("\n")).toContain("rtsp_requests_total{method=\"OPTIONS\"} 1")
      expect(scrape.split("\n")).toContain("rtsp_responses_total{code=\"200\"} 1")
      const health = yield* Effect.promise(() => fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => r.json()))
      expect(health).toMatchObject({ status: "ok" })
    }))

  it.scopedLive("fails with the server's start error and never opens HTTP when the RTSP port is taken", () =>
    Effect.gen(function*() {
      const taken = yield* Effect.acquireRelease(
        Effect.async<Server>((resume) => {
          const blocker = createServer()
          blocker.listen(0, "127.0.0.1", () => resume(Effect.succeed(blocker)))
        }),
        (blocker) => Effect.async<void>((resume) => void blocker.close(() => resume(Effect.void)))
      )
      const address = taken.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const httpPort = yield* freePort
      const error = yield* Effect.flip(Effect.scoped(Layer.build(
        serveLayer({ ...defaultServerConfig, host: "127.0.0.1", port, rtpPort: 0, httpPort, mediaRoot: "video" })
      ))).pipe(Effect.provide(NodeContext.layer), Effect.provide(loggerLayer({ level: "none", format: "json" })))
      expect(error._tag).toBe("ServerStartError")
      expect(error.message).toContain(`${port}`)
      const http = yield* Effect.promise(() => fetch(`http://127.0.0.1:${httpPort}/healthz`).then(() => "answered", () => "refused"))
      expect(http).toBe("refused")
    }))
})
