/** serve's refusals: out-of-range and malformed flags and environment variables, usage errors and --help. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { cli } from "./runCli.js"
import { allEnv, expectRefused, serve } from "./serveKit.js"

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
    expectRefused(args, message))

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
