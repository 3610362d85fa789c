/**
 * The profiles file: good files give their profiles (by name, in the query's vocabulary), every
 * error path names the file, the path in it and the problem, and any valid profile written as a
 * file reads back.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { BUILTIN_PROFILES, withBuiltinProfiles } from "../../src/impair/builtinProfiles.js"
import { profileKnobs } from "../../src/impair/knobs.js"
import type { ImpairmentProfile } from "../../src/impair/profile.js"
import { parseImpairmentQuery } from "../../src/impair/profileParse.js"
import { parseProfilesFile } from "../../src/impair/profilesFile.js"
import { profileArbitrary } from "./profileArbitrary.js"

const FILE = "impairments.json"
const numRuns = Number(process.env["FC_NUM_RUNS"] ?? 300)
const BUILTIN_NAMES = [...BUILTIN_PROFILES.keys()].join(", ")

const goodFiles: ReadonlyArray<readonly [name: string, json: unknown, profiles: ReadonlyArray<ImpairmentProfile>]> = [
  ["no profiles", { profiles: {} }, []],
  [
    "knobs as text, as in the query",
    { profiles: { flaky: { "loss": "2%", "burst": "4", "burst-share": "30%", "jitter": "15ms", "close-after": "30s", "answer": "PLAY:503" } } },
    [{ name: "flaky", seed: 1, loss: 0.02, burst: { share: 0.3, meanLength: 4 }, delay: { meanMs: 0, jitterMs: 15 }, closeAfterMs: 30_000, answer: { method: "PLAY", status: 503 } }]
  ],
  [
    "knobs as JSON numbers: shares in percent, counts, seed, kbit/s",
    { profiles: { numbers: { "loss": 2, "dup": 0.5, "reorder": 1, "reorder-depth": 3, "bandwidth": 1500, "seed": 7 } } },
    [{ name: "numbers", seed: 7, loss: 0.02, reorder: { share: 0.01, depth: 3 }, duplicate: 0.005, bandwidthKbps: 1500 }]
  ],
  [
    "a built-in to start from, a knob turned off, and the file's name for it",
    { profiles: { "my-lte": { impair: "congested-lte", bandwidth: "off", loss: "3%" } } },
    [{ name: "my-lte", seed: 1, loss: 0.03, delay: { meanMs: 60, jitterMs: 20 } }]
  ],
  ["a JSON number in exponent form, read by its value", { profiles: { tiny: { loss: 1e-7 } } }, [{ name: "tiny", seed: 1, loss: 1e-9 }]],
  [
    "several, in file order",
    { profiles: { b_2: { "reply-delay": "1s" }, a1: { "seed": 5, "frame-drop": "1%" } } },
    [{ name: "b_2", seed: 1, replyDelayMs: 1000 }, { name: "a1", seed: 5, frameDrop: 0.01 }]
  ]
]

const badFiles: ReadonlyArray<readonly [json: string, message: string]> = [
  [`{}`, `${FILE}: profiles: is missing`],
  [`[]`, `${FILE}: (root): must be an object with "profiles"`],
  [`null`, `${FILE}: (root): must be an object with "profiles"`],
  [`{"profiles": 1}`, `${FILE}: profiles: must be an object of profiles by name`],
  [`{"profiles": []}`, `${FILE}: profiles: must be an object of profiles by name`],
  [`{"profiles": {}, "extra": 1}`, `${FILE}: extra: is unexpected, expected: "profiles"`],
  [`{"profiles": {"flaky": 3}}`, `${FILE}: profiles.flaky: must be an object of knobs`],
  [`{"profiles": {"flaky": {"loss": true}}}`, `${FILE}: profiles.flaky.loss: must be text (like "2%" or "15ms") or a number`],
  [`{"profiles": {"flaky": {"loss": null}}}`, `${FILE}: profiles.flaky.loss: must be text (like "2%" or "15ms") or a number`],
  [`{"profiles": {"flaky": {"loss": "150%"}}}`, `${FILE}: profiles.flaky.loss: 150% is above 100%`],
  [`{"profiles": {"flaky": {"loss": 150}}}`, `${FILE}: profiles.flaky.loss: 150% is above 100%`],
  [`{"profiles": {"flaky": {"loss": -1}}}`, `${FILE}: profiles.flaky.loss: -1% is negative`],
  [`{"profiles": {"flaky": {"loss": ""}}}`, `${FILE}: profiles.flaky.loss: needs a value`],
  [`{"profiles": {"flaky": {"los": "2%"}}}`, `${FILE}: profiles.flaky.los: unknown knob (did you mean loss?)`],
  [`{"profiles": {"x": {"delay": 100}}}`, `${FILE}: profiles.x.delay: 100 needs a unit, ms, s or m (e.g. 100ms or 100s)`],
  [`{"profiles": {"x": {"delay": "-5ms"}}}`, `${FILE}: profiles.x.delay: -5ms is negative`],
  [`{"profiles": {"x": {"seed": "abc"}}}`, `${FILE}: profiles.x.seed: "abc" is not a whole number from 0 to 4294967295`],
  [`{"profiles": {"x": {"seed": 1.5}}}`, `${FILE}: profiles.x.seed: "1.5" is not a whole number from 0 to 4294967295`],
  [`{"profiles": {"x": {"burst-share": "5%"}}}`, `${FILE}: profiles.x.burst-share: needs burst (the mean burst length in packets)`],
  [`{"profiles": {"x": {"impair": "bursty", "burst": "off", "burst-share": "5%"}}}`, `${FILE}: profiles.x.burst-share: cannot go with burst=off`],
  [`{"profiles": {"x": {"impair": "wifi"}}}`, `${FILE}: profiles.x.impair: no built-in profile named "wifi" (built-ins: ${BUILTIN_NAMES})`],
  [`{"profiles": {"lossy-wifi": {"loss": "5%"}}}`, `${FILE}: profiles.lossy-wifi: is a built-in profile; give yours another name (to start from it, write "impair": "lossy-wifi")`],
  [`{"profiles": {"Bad Name": {}}}`, `${FILE}: profiles["Bad Name"]: a profile name is 1 to 64 lower-case letters, digits, - and _, starting with a letter or digit`],
  [`{"profiles": {"": {}}}`, `${FILE}: profiles[""]: a profile name is 1 to 64 lower-case letters, digits, - and _, starting with a letter or digit`],
  [`{"profiles": {"-x": {}}}`, `${FILE}: profiles["-x"]: a profile name is 1 to 64 lower-case letters, digits, - and _, starting with a letter or digit`],
  // JSON.parse keeps a `__proto__` key, which copying would silently lose: refused wherever it is.
  [`{"profiles": {"__proto__": {"loss": "1%"}}}`, `${FILE}: profiles.__proto__: is not allowed as a key`],
  [`{"profiles": {"x": {"loss": "1%", "__proto__": "2%"}}}`, `${FILE}: profiles.x.__proto__: is not allowed as a key`],
  [`{"__proto__": {}, "profiles": {}}`, `${FILE}: __proto__: is not allowed as a key`],
  // Every problem, one line each, in file order.
  [
    `{"profiles": {"a": {"loss": "150%", "dup": "x"}, "b": {"seed": -1}, "c": {"reorder-depth": 3}}}`,
    [
      `${FILE}: profiles.a.loss: 150% is above 100%`,
      `${FILE}: profiles.a.dup: "x" is not a percentage (e.g. 2% or 0.5%; a bare number is a percentage too)`,
      `${FILE}: profiles.b.seed: "-1" is not a whole number from 0 to 4294967295`,
      `${FILE}: profiles.c.reorder-depth: needs reorder (the share of packets held back)`
    ].join("\n")
  ],
  [
    `{"profiles": {"a": {"loss": true}, "b": 2}}`,
    [`${FILE}: profiles.a.loss: must be text (like "2%" or "15ms") or a number`, `${FILE}: profiles.b: must be an object of knobs`].join("\n")
  ]
]

describe("parseProfilesFile", () => {
  it.each(goodFiles)("%s", (_name, json, profiles) => {
    const result = parseProfilesFile(JSON.stringify(json), FILE)
    expect(Either.map(result, (map) => [...map.entries()])).toStrictEqual(Either.right(profiles.map((p) => [p.name, p])))
  })

  it.each(badFiles)("refuses %s", (json, message) => {
    expect(parseProfilesFile(json, FILE)).toStrictEqual(Either.left(message))
  })

  it.each(["", "{", `{"profiles": {}`, "profiles: {}", `{"profiles": {},}`])("refuses %j: not JSON, and says so", (text) => {
    const result = parseProfilesFile(text, FILE)
    expect(Either.isLeft(result) && result.left).toMatch(/^impairments\.json is not JSON: \S/)
  })

  it("names the file it was given", () => {
    expect(parseProfilesFile(`{"profiles": {"x": {"loss": "150%"}}}`, "/etc/effect-rtsp/lab.json")).toStrictEqual(
      Either.left("/etc/effect-rtsp/lab.json: profiles.x.loss: 150% is above 100%")
    )
  })

  it("its profiles are what a query names, beside the built-ins", () => {
    const file = parseProfilesFile(`{"profiles": {"lab": {"impair": "satellite", "loss": "1%"}}}`, FILE)
    const profiles = withBuiltinProfiles(Either.getOrThrow(file))
    expect(parseImpairmentQuery("impair=lab&seed=4", profiles)).toStrictEqual(
      Either.right({ name: "lab", seed: 4, loss: 0.01, delay: { meanMs: 300, jitterMs: 20 } })
    )
    expect(parseImpairmentQuery("impair=satellite", profiles)).toStrictEqual(Either.right(BUILTIN_PROFILES.get("satellite")))
  })

  it("any valid profile written as a file, in text or numbers, reads back", () => {
    // A knob whose text is a plain number may be written as a JSON number: the file reads its decimal text.
    const asJson = (text: string, asNumber: boolean): string | number =>
      asNumber && /^\d+(\.\d+)?$/.test(text) && String(Number(text)) === text ? Number(text) : text
    fc.assert(
      fc.property(profileArbitrary, fc.boolean(), (profile, asNumbers) => {
        const knobs = Object.fromEntries(profileKnobs(profile).map(([knob, text]) => [knob, asJson(text.replace(/%$/, asNumbers ? "" : "%"), asNumbers)]))
        const result = parseProfilesFile(JSON.stringify({ profiles: { generated: knobs } }), FILE)
        expect(Either.map(result, (map) => map.get("generated"))).toStrictEqual(Either.right({ ...profile, name: "generated" }))
      }),
      { numRuns }
    )
  })

  it("never throws on any text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.constantFrom(...badFiles.map(([json]) => json))), (text) => {
        expect(Either.isEither(parseProfilesFile(text, FILE))).toBe(true)
      }),
      { numRuns }
    )
  })
})

describe("parseProfilesFile on deep JSON", () => {
  it("refuses nesting deeper than the call stack without throwing", () => {
    const deep = `{"profiles": ${"[".repeat(200_000)}${"]".repeat(200_000)}}`
    const result = parseProfilesFile(deep, FILE)
    expect(Either.isLeft(result)).toBe(true)
  })

  it("finds a __proto__ key deep down in linear time", () => {
    const depth = 100_000
    const deep = `{"profiles": ${"[".repeat(depth)}{"__proto__": 1}${"]".repeat(depth)}}`
    const result = parseProfilesFile(deep, FILE)
    expect(Either.isLeft(result) && result.left).toBe(`${FILE}: profiles${"[0]".repeat(depth)}.__proto__: is not allowed as a key`)
  })
})
