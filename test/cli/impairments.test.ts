/**
 * `effect-rtsp impairments`: every built-in with what it models and its knobs, then a profiles
 * file's; each listed query is the profile itself; a bad file is refused as serve refuses it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { vi } from "vitest"
import { readableQuery } from "../../src/cli/impairments/listing.js"
import { BUILTIN_PROFILE_DESCRIPTIONS, BUILTIN_PROFILES } from "../../src/impair/builtinProfiles.js"
import { parseImpairmentQuery } from "../../src/impair/profileParse.js"
import { parseProfilesFile } from "../../src/impair/profilesFile.js"
import { noStackTrace, runProcess } from "../support/harnessProcess.js"
import { cli } from "./runCli.js"

const folder = mkdtempSync(join(tmpdir(), "effect-rtsp-impairments-"))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

const fileWith = (name: string, text: string): string => {
  const path = join(folder, name)
  writeFileSync(path, text)
  return path
}

const goodText = JSON.stringify({ profiles: { "flaky-lab": { impair: "lossy-wifi", loss: "5%", seed: 7 }, "slow-link": { delay: "40ms", jitter: "5ms", bandwidth: 800 } } })
const goodFile = fileWith("lab.json", goodText)

/** The listing's line for `name`: its name, then its description or (a file's) its knobs. */
const lineOf = (stdout: string, name: string): string | undefined => stdout.split("\n").find((line) => line.trimStart().startsWith(`${name} `))

describe("effect-rtsp impairments", () => {
  it.effect("lists all seven built-ins, each with what it models and its knobs in query form", () =>
    Effect.gen(function*() {
      const result = yield* cli("impairments")
      expect(result.code).toBe(0)
      expect(result.stderr).toBe("")
      const lines = result.stdout.split("\n")
      expect(lines[0]).toBe("Built-in profiles:")
      expect(BUILTIN_PROFILES.size).toBe(7)
      for (const [name, profile] of BUILTIN_PROFILES) {
        const at = lines.findIndex((line) => line.trimStart().startsWith(`${name} `))
        expect(at, name).toBeGreaterThan(0)
        expect(lines[at]).toContain(BUILTIN_PROFILE_DESCRIPTIONS.get(name))
        expect(lines[at + 1]?.trim()).toBe(readableQuery(profile))
      }
      expect(lines.find((line) => line.trimStart().startsWith("lossy-wifi "))?.trim()).toMatch(/^lossy-wifi\s+a busy Wi-Fi link/)
      expect(result.stdout).toContain("seed=1&loss=2%&burst=3&burst-share=1%&delay=5ms&jitter=10ms&dup=0.5%")
      expect(result.stdout).not.toContain("Profiles from")
    }))

  it.effect("with --impairments FILE, the file's profiles follow the built-ins", () =>
    Effect.gen(function*() {
      const result = yield* cli("impairments", "--impairments", goodFile)
      expect(result.code).toBe(0)
      const builtins = result.stdout.indexOf("Built-in profiles:")
      const fromFile = result.stdout.indexOf(`Profiles from ${goodFile}:`)
      expect(builtins).toBe(0)
      expect(fromFile).toBeGreaterThan(result.stdout.indexOf("slow-server"))
      expect(lineOf(result.stdout, "flaky-lab")).toMatch(/^ {2}flaky-lab +seed=7&loss=5%&burst=3&burst-share=1%&delay=5ms&jitter=10ms&dup=0.5%$/)
      expect(lineOf(result.stdout, "slow-link")).toMatch(/^ {2}slow-link +seed=1&delay=40ms&jitter=5ms&bandwidth=800$/)
    }))

  it.effect("reads RTSP_IMPAIRMENTS as serve does", () =>
    Effect.gen(function*() {
      vi.stubEnv("RTSP_IMPAIRMENTS", goodFile)
      const result = yield* cli("impairments").pipe(Effect.ensuring(Effect.sync(() => vi.unstubAllEnvs())))
      expect(result.code).toBe(0)
      expect(result.stdout).toContain(`Profiles from ${goodFile}:`)
    }))

  it("each listed query asks for exactly the profile listed", () => {
    const fileProfiles = Either.getOrThrow(parseProfilesFile(goodText, "lab.json"))
    for (const profile of [...BUILTIN_PROFILES.values(), ...fileProfiles.values()]) {
      const { name: _name, ...knobs } = profile
      expect(parseImpairmentQuery(readableQuery(profile), BUILTIN_PROFILES)).toEqual(Either.right(knobs))
    }
  })

  it.effect("refuses a bad file as serve does: exit 1, the file, the path in it and the problem", () =>
    Effect.gen(function*() {
      const bad = fileWith("bad.json", JSON.stringify({ profiles: { flaky: { loss: "150%" } } }))
      const result = yield* cli("impairments", "--impairments", bad)
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(`error: ${bad}: profiles.flaky.loss: 150% is above 100%`)
      const missing = yield* cli("impairments", "--impairments", join(folder, "missing.json"))
      expect(missing.code).toBe(1)
      expect(missing.stderr).toBe(`error: impairments file ${join(folder, "missing.json")}: no such file`)
    }))

  it("is a subcommand of the built effect-rtsp", async () => {
    const ran = await runProcess(process.execPath, ["dist/src/cli/bin.js", "impairments", "--impairments", goodFile], 20_000)
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stdout).toContain("flaky-connection")
    expect(ran.stdout).toContain("flaky-lab")
    noStackTrace(ran)
    const help = await runProcess(process.execPath, ["dist/src/cli/bin.js", "--help"], 20_000)
    expect(help.stdout).toContain("impairments")
  })
})
