import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { decodeScenario, decodeScenarioValue, encodeScenario, formatIssuePath } from "../../../harness/scenario/decode.js"
import type { ScenarioError } from "../../../harness/scenario/decode.js"

const MOVIE_URL = "rtsp://127.0.0.1:8554/movie.Mjpeg"
const minimal = { url: MOVIE_URL, steps: [{ step: "setup" }, { step: "play" }] }
const withSteps = (...steps: ReadonlyArray<unknown>) => ({ url: MOVIE_URL, steps })

const errorOf = (text: string, source = "bad.json"): ScenarioError => {
  const result = decodeScenario(text, source)
  if (Either.isRight(result)) throw new Error(`expected ${text} to be refused`)
  return result.left
}

describe("decodeScenario: valid files", () => {
  it("fills defaults and turns durations into milliseconds", () => {
    const result = decodeScenario(
      JSON.stringify(withSteps({ step: "setup" }, { step: "play" }, { step: "wait", duration: "1m30s" })),
      "ok.json"
    )
    expect(result).toStrictEqual(
      Either.right({
        url: MOVIE_URL,
        transport: "udp",
        dialect: "standard",
        clients: 1,
        rampUp: 0,
        steps: [{ step: "setup" }, { step: "play" }, { step: "wait", duration: 90_000 }]
      })
    )
  })

  it("decodes every step kind and every expectation", () => {
    const file = {
      name: "all",
      description: "every field",
      url: MOVIE_URL,
      transport: "tcp",
      dialect: "standard",
      clients: 5000,
      rampUp: "2.5s",
      steps: [
        { step: "options" },
        { step: "describe" },
        { step: "setup" },
        { step: "play", range: { start: 5 } },
        { step: "pause" },
        { step: "play", range: { start: 1, end: 3.5 } },
        { step: "wait", duration: "250ms" },
        { step: "expect-status", request: { method: "GET_PARAMETER" }, status: 200 },
        {
          step: "expect-status",
          request: { method: "PLAY", uri: "*", headers: { CSeq: "9" }, version: "RTSP/2.0" },
          status: 505
        },
        { step: "teardown" }
      ],
      expect: {
        fpsMin: 19,
        lossMaxPct: 0.1,
        jitterMaxMs: 20,
        startupMaxMs: 500,
        frames: { min: 10, max: 10 },
        statuses: { PLAY: 200, SETUP: 200 }
      }
    }
    const result = decodeScenario(JSON.stringify(file), "all.json")
    expect(result).toStrictEqual(Either.right({ ...file, rampUp: 2500, steps: file.steps.map((s) => s.step === "wait" ? { ...s, duration: 250 } : s) }))
  })

  it("accepts a new setup after a teardown, and a leading byte-order mark", () => {
    const steps = withSteps({ step: "setup" }, { step: "teardown" }, { step: "setup" }, { step: "play" })
    expect(Either.isRight(decodeScenario("\uFEFF" + JSON.stringify(steps), "bom.json"))).toBe(true)
  })

  it("lets expect-status send anything before a setup (raw requests are exempt from the order rule)", () => {
    const steps = withSteps({ step: "expect-status", request: { method: "PLAY" }, status: 455 }, { step: "setup" })
    expect(Either.isRight(decodeScenario(JSON.stringify(steps), "raw.json"))).toBe(true)
  })

  it("encodeScenario gives the file form back, durations as canonical text", () => {
    const result = decodeScenario(
      JSON.stringify({ ...withSteps({ step: "setup" }, { step: "wait", duration: "90s" }), rampUp: "1500ms" }),
      "ok.json"
    )
    if (Either.isLeft(result)) throw new Error(result.left.message)
    expect(encodeScenario(result.right)).toStrictEqual({
      url: MOVIE_URL,
      transport: "udp",
      dialect: "standard",
      clients: 1,
      rampUp: "1.5s",
      steps: [{ step: "setup" }, { step: "wait", duration: "1m30s" }]
    })
  })

  it("keeps the tracks a standard scenario picks, as written", () => {
    for (const tracks of ["all", "audio", "stream=1"]) {
      expect(decodeScenarioValue({ ...minimal, tracks }, "tracks")).toStrictEqual(Either.right({ ...minimal, tracks, transport: "udp", dialect: "standard", clients: 1, rampUp: 0 }))
    }
  })

  it("decodeScenarioValue takes an already-parsed value", () => {
    expect(Either.isRight(decodeScenarioValue(minimal, "inline"))).toBe(true)
  })
})

// Each case: the file, the exact path of the first issue, and what its message must say.
const invalidCases: ReadonlyArray<readonly [string, unknown, string, RegExp]> = [
  ["bad duration", withSteps({ step: "setup" }, { step: "wait", duration: "2 secs" }), "steps[1].duration", /"2 secs" is not a duration/],
  ["bad rampUp", { ...minimal, rampUp: "soon" }, "rampUp", /"soon" is not a duration/],
  ["unknown step", withSteps({ step: "setup" }, { step: "jump" }), "steps[1].step", /"jump"/],
  ["step without a kind", withSteps({ step: "setup" }, {}), "steps[1].step", /missing/],
  ["unknown key at the top", { ...minimal, colour: "red" }, "colour", /is unexpected/],
  ["unknown key in a step", withSteps({ step: "setup", speed: 2 }), "steps[0].speed", /is unexpected/],
  ["unknown key in expect", { ...minimal, expect: { fps: 20 } }, "expect.fps", /is unexpected/],
  ["clients 0", { ...minimal, clients: 0 }, "clients", /from 1 to 5000, got 0/],
  ["clients too many", { ...minimal, clients: 5001 }, "clients", /from 1 to 5000, got 5001/],
  ["clients fractional", { ...minimal, clients: 1.5 }, "clients", /whole number/],
  ["missing url", { steps: [{ step: "setup" }] }, "url", /is missing/],
  ["url not rtsp", { ...minimal, url: "http://127.0.0.1/movie" }, "url", /rtsp:\/\/ URL/],
  ["url without scheme", { ...minimal, url: "127.0.0.1:8554/movie.Mjpeg" }, "url", /rtsp:\/\/ URL/],
  ["missing steps", { url: MOVIE_URL }, "steps", /is missing/],
  ["empty steps", withSteps(), "steps", /at least one step/],
  ["bad transport", { ...minimal, transport: "quic" }, "transport", /expected "udp" or "tcp" or "multicast", got "quic"/],
  ["bad dialect", { ...minimal, dialect: "rtsp2" }, "dialect", /expected "standard" or "classic"/],
  ["play before setup", withSteps({ step: "options" }, { step: "play" }), "steps[1].step", /play needs a setup step before it/],
  ["pause before setup", withSteps({ step: "pause" }), "steps[0].step", /pause needs a setup/],
  ["teardown before setup", withSteps({ step: "describe" }, { step: "teardown" }), "steps[1].step", /teardown needs a setup/],
  [
    "play after teardown",
    withSteps({ step: "setup" }, { step: "teardown" }, { step: "play" }),
    "steps[2].step",
    /ended with the teardown at steps\[1\]/
  ],
  ["frames min > max", { ...minimal, expect: { frames: { min: 5, max: 2 } } }, "expect.frames", /min \(5\) is greater than max \(2\)/],
  ["frames negative", { ...minimal, expect: { frames: { min: -1 } } }, "expect.frames.min", /whole number >= 0, got -1/],
  ["loss over 100%", { ...minimal, expect: { lossMaxPct: 150 } }, "expect.lossMaxPct", /0 to 100, got 150/],
  ["negative jitter", { ...minimal, expect: { jitterMaxMs: -3 } }, "expect.jitterMaxMs", />= 0, got -3/],
  ["status out of range", withSteps({ step: "expect-status", request: { method: "OPTIONS" }, status: 42 }), "steps[0].status", /100 to 599, got 42/],
  ["status fractional", withSteps({ step: "expect-status", request: { method: "OPTIONS" }, status: 200.5 }), "steps[0].status", /100 to 599/],
  ["raw request without method", withSteps({ step: "expect-status", request: {}, status: 200 }), "steps[0].request.method", /is missing/],
  ["raw request bad method", withSteps({ step: "expect-status", request: { method: "PL AY" }, status: 200 }), "steps[0].request.method", /RTSP method name/],
  ["raw header not a string", withSteps({ step: "expect-status", request: { method: "OPTIONS", headers: { CSeq: 1 } }, status: 200 }), "steps[0].request.headers.CSeq", /string/],
  ["statuses with a bad code", { ...minimal, expect: { statuses: { SETUP: 1000 } } }, "expect.statuses.SETUP", /100 to 599, got 1000/],
  ["statuses with a bad method", { ...minimal, expect: { statuses: { "PL AY": 200 } } }, "expect.statuses[\"PL AY\"]", /not an RTSP method name/],
  ["range end before start", withSteps({ step: "setup" }, { step: "play", range: { start: 5, end: 2 } }), "steps[1].range.end", /end \(2\) must be after start \(5\)/],
  ["range as a string", withSteps({ step: "setup" }, { step: "play", range: "npt=5-" }), "steps[1].range", /"npt=5-"/],
  ["classic over tcp", { ...minimal, dialect: "classic", transport: "tcp" }, "transport", /classic dialect sends RTP over UDP only/],
  ["classic with a nested path", { ...minimal, dialect: "classic", url: "rtsp://127.0.0.1:8554/a/movie.Mjpeg" }, "url", /single file name/],
  ["classic choosing tracks", { ...minimal, dialect: "classic", tracks: "all" }, "tracks", /classic dialect has one track/],
  ["empty tracks", { ...minimal, tracks: " " }, "tracks", /.+/],
  ["not an object", [1, 2], "(root)", /actual \[1,2\]/]
]

describe("decodeScenario: invalid files", () => {
  it.each(invalidCases)("%s", (_label, file, path, message) => {
    const error = errorOf(JSON.stringify(file))
    expect(error._tag).toBe("ScenarioError")
    expect(error.reason).toBe("InvalidScenario")
    expect(error.source).toBe("bad.json")
    expect(error.issues[0]?.path).toBe(path)
    expect(error.issues[0]?.message).toMatch(message)
    expect(error.message.split("\n")[0]).toBe(`bad.json: ${path}: ${error.issues[0]?.message}`)
  })

  it("reports every problem, one per line, each prefixed with the source", () => {
    const error = errorOf(JSON.stringify({ clients: 0, steps: [{ step: "wait", duration: "2 secs" }] }), "many.json")
    expect(error.issues.map((issue) => issue.path)).toStrictEqual(["url", "clients", "steps[0].duration"])
    const lines = error.message.split("\n")
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(line.startsWith("many.json: ")).toBe(true)
  })
})

const invalidJson: ReadonlyArray<readonly [string, string, RegExp]> = [
  ["missing value", "{\n  \"url\": }", /line 2, column 10: unexpected "}", expected a value/],
  ["empty text", "", /line 1, column 1: unexpected end of input/],
  ["trailing comma", "{\"url\": \"x\",}", /line 1, column 13: .*property name/],
  ["missing comma", "[1 2]", /line 1, column 4: .*expected ',' or '\]'/],
  ["garbage after", "{}\n\n  x", /line 3, column 3: .*after the end of the JSON value/],
  ["unterminated string", "{\"url\": \"rtsp", /line 1, column 14: unterminated string/],
  ["single quotes", "{'url': 1}", /line 1, column 2: .*property name in double quotes/],
  ["bad escape", "[\"\\q\"]", /line 1, column 3: bad escape/]
]

describe("decodeScenario: invalid JSON", () => {
  it.each(invalidJson)("%s", (_label, text, message) => {
    const error = errorOf(text, "broken.json")
    expect(error.reason).toBe("InvalidJson")
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]?.path).toBe("(root)")
    expect(error.issues[0]?.message).toMatch(message)
    expect(error.message).toMatch(/^broken\.json: \(root\): invalid JSON at line \d+, column \d+: /)
  })
})

describe("formatIssuePath", () => {
  it.each([
    [[], "(root)"],
    [["url"], "url"],
    [["steps", 2, "duration"], "steps[2].duration"],
    [["expect", "statuses", "PL AY"], "expect.statuses[\"PL AY\"]"],
    [[0, "a"], "[0].a"]
  ] as ReadonlyArray<readonly [ReadonlyArray<PropertyKey>, string]>)("%j -> %s", (path, text) => {
    expect(formatIssuePath(path)).toBe(text)
  })
})

describe("decodeScenario never throws", () => {
  it("on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const result = decodeScenario(text, "fuzz")
        if (Either.isLeft(result)) expect(result.left.issues.length).toBeGreaterThan(0)
      }),
      { numRuns: 300 }
    )
  })

  it("on arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (text) => {
        const result = decodeScenario(text, "fuzz")
        if (Either.isLeft(result)) {
          expect(result.left.reason).toBe("InvalidScenario")
          expect(result.left.issues.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("on scenario-shaped values with random fields", () => {
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
    const step = fc.record(
      {
        step: fc.constantFrom("options", "describe", "setup", "play", "pause", "wait", "teardown", "expect-status", "x"),
        duration: fc.oneof(fc.constantFrom("1s", "2 secs", "250ms"), anyValue),
        range: fc.oneof(fc.record({ start: fc.double(), end: fc.double() }), anyValue),
        request: fc.record({ method: fc.oneof(fc.constantFrom("OPTIONS", "PLAY"), anyValue) }),
        status: fc.oneof(fc.integer({ min: 0, max: 700 }), anyValue)
      },
      { requiredKeys: ["step"] }
    )
    const scenario = fc.record(
      {
        url: fc.oneof(fc.constant(MOVIE_URL), anyValue),
        clients: fc.oneof(fc.integer({ min: -1, max: 6000 }), anyValue),
        rampUp: fc.oneof(fc.constantFrom("0s", "5s", "x"), anyValue),
        transport: fc.oneof(fc.constantFrom("udp", "tcp"), anyValue),
        dialect: fc.oneof(fc.constantFrom("standard", "classic"), anyValue),
        steps: fc.array(step, { maxLength: 6 }),
        expect: fc.record({ frames: fc.record({ min: fc.integer(), max: fc.integer() }), fpsMin: fc.double() }, { requiredKeys: [] })
      },
      { requiredKeys: [] }
    )
    fc.assert(
      fc.property(scenario, (value) => {
        const result = decodeScenarioValue(value, "fuzz")
        if (Either.isLeft(result)) {
          for (const issue of result.left.issues) {
            expect(issue.path.length).toBeGreaterThan(0)
            expect(issue.message.length).toBeGreaterThan(0)
          }
        }
      }),
      { numRuns: 300 }
    )
  })
})
