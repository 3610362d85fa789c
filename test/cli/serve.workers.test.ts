/** serve --workers / RTSP_WORKERS: accepted counts, "auto", and the refusals. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { availableParallelism } from "node:os"
import { cli } from "./runCli.js"
import { serve } from "./serveKit.js"

const refusal = (text: string) => `--workers (RTSP_WORKERS): must be auto (one per core) or a whole number from 1 to 256, got "${text}"`

describe("effect-rtsp serve --workers", () => {
  it.effect.each([
    [["--workers", "3"], {}, 3],
    [["--workers", "auto"], {}, availableParallelism()],
    [[], { RTSP_WORKERS: "2" }, 2],
    [[], { RTSP_WORKERS: "auto" }, availableParallelism()],
    [["--workers", "1"], { RTSP_WORKERS: "4" }, 1],
    [[], {}, 1]
  ] as const)("%j with %j serves with %i process(es)", ([args, env, expected]) =>
    Effect.gen(function*() {
      const parsed = yield* serve(args, env)
      expect(parsed.stderr).toBe("")
      expect(parsed.settings?.workers).toBe(expected)
    }))

  it.effect.each([
    [["--workers", "0"], {}, "0"],
    [["--workers", "x"], {}, "x"],
    [["--workers", "-2"], {}, "-2"],
    [["--workers", "300"], {}, "300"],
    [[], { RTSP_WORKERS: "0" }, "0"],
    [[], { RTSP_WORKERS: "many" }, "many"]
  ] as const)("refuses %j %j with a clear message", ([args, env, text]) =>
    Effect.gen(function*() {
      const parsed = yield* serve(args, env)
      expect(parsed.code).toBe(1)
      expect(parsed.settings).toBeUndefined()
      expect(parsed.stderr).toContain(refusal(text))
    }))

  it.effect("the real command refuses --workers 0 as a usage error (exit 1)", () =>
    Effect.gen(function*() {
      const result = yield* cli("serve", "--workers", "0")
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(refusal("0"))
    }))

  it.effect("refuses an --rtp-port that leaves the last worker no pair, before forking anything", () =>
    Effect.gen(function*() {
      const result = yield* cli("serve", "--workers", "2", "--rtp-port", "65534", "--port", "0", "--host", "127.0.0.1", "--log-level", "none")
      expect(result.code).toBe(1)
      expect(result.stderr).toContain("error: --rtp-port 65534 leaves no room for 2 workers: worker 1 would need UDP 65536/65537")
    }))

  it.effect("lists --workers and RTSP_WORKERS in --help", () =>
    Effect.gen(function*() {
      const result = yield* cli("serve", "--help")
      expect(result.stdout).toContain("--workers")
      expect(result.stdout).toContain("RTSP_WORKERS")
    }))
})
