/** Shared helpers for the serve tests: parsing `effect-rtsp serve` in-process, and every RTSP_* variable set. */
import { Command } from "@effect/cli"
import { expect } from "@effect/vitest"
import { NodeContext } from "@effect/platform-node"
import { ConfigProvider, Effect } from "effect"
import { vi } from "vitest"
import { makeServeCommand } from "../../src/cli/serve.js"
import type { ServeSettings } from "../../src/cli/serve.js"

export interface Parsed {
  readonly code: number
  readonly settings: ServeSettings | undefined
  readonly stderr: string
}

/**
 * Runs `effect-rtsp serve <args>` in-process with `env` as the only environment,
 * through a serve command whose handler records its settings instead of serving.
 */
export const serve = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Effect.Effect<Parsed> =>
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

export const allEnv: Record<string, string> = {
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
  RTSP_HTTP_PORT: "9200",
  RTSP_UDP_BATCHING: "off",
  RTSP_PUBLISH: "true",
  RTSP_PUBLISH_FROM: "10.0.0.0/8, fd00::/8",
  RTSP_PUBLISHER_TIMEOUT: "20",
  RTSP_MULTICAST: "off",
  RTSP_MULTICAST_RANGE: "239.1.2.0/28",
  RTSP_MULTICAST_PORT: "9000",
  RTSP_MULTICAST_TTL: "4",
  RTSP_WORKERS: "3"
}

/** serve refuses `args` (and `env`): exit 1, no settings, and `message` on stderr. */
export const expectRefused = (args: ReadonlyArray<string>, message: string, env: Record<string, string> = {}): Effect.Effect<void> =>
  Effect.map(serve(args, env), (parsed) => {
    expect(parsed.code).toBe(1)
    expect(parsed.settings).toBeUndefined()
    expect(parsed.stderr).toContain(message)
  })
