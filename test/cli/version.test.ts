import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { VERSION } from "../../src/cli/version.js"
import { cli } from "./runCli.js"

describe("effect-rtsp", () => {
  it("reports the version from package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
    expect(VERSION).toBe(pkg.version)
  })

  it.effect("--version prints it", () =>
    Effect.gen(function*() {
      const result = yield* cli("--version")
      expect(result.code).toBe(0)
      expect(result.stdout.trim()).toBe(VERSION)
    }))

  it.effect("an unknown subcommand exits 1", () =>
    Effect.gen(function*() {
      const result = yield* cli("video", "play")
      expect(result.code).toBe(1)
    }))
})
