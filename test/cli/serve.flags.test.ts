/** serve's settings: serveConfigFrom, and every flag and RTSP_* variable with their precedence. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import { serveConfigFrom } from "../../src/cli/serve.js"
import type { ServeOptions } from "../../src/cli/serve.js"
import { defaultServerConfig } from "../../src/server/config.js"
import { allEnv, serve } from "./serveKit.js"

/** Like serve (serveKit.ts), but the settings must have been produced. */
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
  "--http-port", "9100",
  "--udp-batching", "off",
  "--publish",
  "--publish-from", "192.168.0.0/16,::1",
  "--publisher-timeout", "5",
  "--multicast", "off",
  "--multicast-range", "239.9.9.0/24",
  "--multicast-port", "7002",
  "--multicast-ttl", "3",
  "--workers", "2"
]

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
      live: ["movie.Mjpeg"],
      sessionTimeout: 5,
      maxSessions: 1,
      maxConnections: 2,
      logFormat: "json",
      logLevel: Option.some("debug"),
      logLevelEnv: Option.none(),
      httpPort: Option.some(0),
      udpBatching: "off",
      publish: true,
      publishFrom: ["10.1.0.0/16"],
      publisherTimeout: 7,
      multicast: "off",
      multicastRange: "239.1.0.0/16",
      multicastPort: 6000,
      multicastTtl: 2,
      workers: 3
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
      live: ["movie.Mjpeg"],
      sessionTimeoutSeconds: 5,
      maxSessions: 1,
      maxConnections: 2,
      httpPort: 0,
      udpBatching: false,
      publish: true,
      publishFrom: ["10.1.0.0/16"],
      publisherTimeoutSeconds: 7,
      multicast: false,
      multicastRange: "239.1.0.0/16",
      multicastPort: 6000,
      multicastTtl: 2
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
      expect(settings.workers).toBe(1)
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
        httpPort: 9100,
        udpBatching: false,
        publish: true,
        publishFrom: ["192.168.0.0/16", "::1"],
        publisherTimeoutSeconds: 5,
        multicast: false,
        multicastRange: "239.9.9.0/24",
        multicastPort: 7002,
        multicastTtl: 3
      })
      expect(settings.logging).toEqual({ level: "info", format: "json" })
      expect(settings.workers).toBe(2)
    }))

  it.effect("takes --live, repeated, or RTSP_LIVE, comma-separated; the live clock starts as the settings are made", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("5 seconds")
      const flags = yield* settingsOf(["--live", "movie.Mjpeg", "--live", "sub/clip.mjpeg"])
      expect(flags.server.live).toEqual(["movie.Mjpeg", "sub/clip.mjpeg"])
      // The Clock's now, one zero for every worker of a cluster.
      expect(flags.server.liveEpochMillis).toBe(5000)
      const env = yield* settingsOf([], { RTSP_LIVE: "movie.Mjpeg, sub/clip.mjpeg" })
      expect(env.server.live).toEqual(["movie.Mjpeg", "sub/clip.mjpeg"])
      const flagWins = yield* settingsOf(["--live", "a.mjpeg"], { RTSP_LIVE: "b.mjpeg" })
      expect(flagWins.server.live).toEqual(["a.mjpeg"])
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
        httpPort: 9200,
        udpBatching: false,
        publish: true,
        publishFrom: ["10.0.0.0/8", "fd00::/8"],
        publisherTimeoutSeconds: 20,
        multicast: false,
        multicastRange: "239.1.2.0/28",
        multicastPort: 9000,
        multicastTtl: 4
      })
      expect(settings.logging).toEqual({ level: "debug", format: "json" })
      expect(settings.workers).toBe(3)
    }))

  it.effect("a flag beats its environment variable", () =>
    Effect.gen(function*() {
      const settings = yield* settingsOf([...allFlags, "--log-level", "warning"], { ...allEnv, RTSP_LOOP: "false", RTSP_LOG_FORMAT: "pretty", RTSP_UDP_BATCHING: "on" })
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
        httpPort: 9100,
        udpBatching: false,
        publish: true,
        publishFrom: ["192.168.0.0/16", "::1"],
        publisherTimeoutSeconds: 5,
        multicast: false,
        multicastRange: "239.9.9.0/24",
        multicastPort: 7002,
        multicastTtl: 3
      })
      expect(settings.logging).toEqual({ level: "warning", format: "json" })
      expect(settings.workers).toBe(2)
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
