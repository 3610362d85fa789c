/** The built-in profiles: the seven, each described, each a query names, each within every knob's range. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { BUILTIN_PROFILE_DESCRIPTIONS, BUILTIN_PROFILES, withBuiltinProfiles } from "../../src/impair/builtinProfiles.js"
import { DEFAULT_SEED } from "../../src/impair/knobs.js"
import type { ImpairmentProfile } from "../../src/impair/profile.js"
import { formatImpairmentQuery, parseImpairmentQuery } from "../../src/impair/profileParse.js"
import { parseProfilesFile } from "../../src/impair/profilesFile.js"

const builtins = [...BUILTIN_PROFILES.entries()]

describe("built-in impairment profiles", () => {
  it("are the issue's seven, each with a one-line description", () => {
    expect([...BUILTIN_PROFILES.keys()]).toStrictEqual([
      "lossy-wifi", "congested-lte", "satellite", "bursty", "reorder-heavy", "flaky-connection", "slow-server"
    ])
    expect([...BUILTIN_PROFILE_DESCRIPTIONS.keys()]).toStrictEqual([...BUILTIN_PROFILES.keys()])
    for (const description of BUILTIN_PROFILE_DESCRIPTIONS.values()) {
      expect(description).toMatch(/^[a-z].{20,200}$/)
      expect(description).not.toMatch(/[\r\n]/)
    }
  })

  it.each(builtins)("%s: impair=NAME gives it, named, with the default seed", (name, profile) => {
    expect(profile.name).toBe(name)
    expect(profile.seed).toBe(DEFAULT_SEED)
    expect(parseImpairmentQuery(`impair=${name}`, BUILTIN_PROFILES)).toStrictEqual(Either.right(profile))
    expect(parseImpairmentQuery(`impair=${name}&seed=42`, BUILTIN_PROFILES)).toStrictEqual(Either.right({ ...profile, seed: 42 }))
  })

  it.each(builtins)("%s: every knob within range (its query parses back to it)", (_name, { name: _, ...knobs }) => {
    expect(parseImpairmentQuery(formatImpairmentQuery(knobs), BUILTIN_PROFILES)).toStrictEqual(Either.right(knobs))
  })

  it.each(builtins)("%s: a file may start from it under another name", (name, { name: _, ...knobs }) => {
    const file = parseProfilesFile(JSON.stringify({ profiles: { mine: { impair: name, seed: 3 } } }), "impairments.json")
    const expected: ImpairmentProfile = { ...knobs, name: "mine", seed: 3 }
    expect(Either.map(file, (profiles) => profiles.get("mine"))).toStrictEqual(Either.right(expected))
  })

  it("a file's profiles come after them and do not replace them", () => {
    const fileProfile: ImpairmentProfile = { name: "lab", seed: 2 }
    const all = withBuiltinProfiles(new Map([["lab", fileProfile]]))
    expect([...all.keys()]).toStrictEqual([...BUILTIN_PROFILES.keys(), "lab"])
    expect(all.get("satellite")).toBe(BUILTIN_PROFILES.get("satellite"))
  })
})
