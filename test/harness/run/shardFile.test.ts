/**
 * The shard file, version 1: what is written is read back the same; what is wrong is named
 * with the file and the path in it, in one line each, never thrown.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { decodeShardFile, encodeShardFile, type ShardFile, type ShardFileError } from "../../../harness/run/shardFile.js"
import { scenarioOf, scriptedShard } from "./shardFixtures.js"

const SOURCE = "shard-1.json"
const file = scriptedShard(scenarioOf(12), { index: 1, count: 4 }, { 5: { failed: "DESCRIBE: no response in 5000 ms", lost: 3 } })

/** The file's JSON with one change made to it. */
const edited = (edit: (json: Record<string, unknown>) => void): string => {
  const json = JSON.parse(encodeShardFile(file)) as Record<string, unknown>
  edit(json)
  return JSON.stringify(json, null, 2)
}

const errorOf = (text: string): ShardFileError | undefined => {
  const decoded = decodeShardFile(text, SOURCE)
  return Either.isLeft(decoded) ? decoded.left : undefined
}

const clientsOf = (json: Record<string, unknown>): Array<Record<string, Record<string, unknown>>> => json.clients as Array<Record<string, Record<string, unknown>>>

const cases: ReadonlyArray<{ readonly name: string; readonly text: string; readonly reason: ShardFileError["reason"]; readonly message: RegExp }> = [
  { name: "not JSON", text: "{\"format\": \"rtsp-harness-shard\",\n  \"version\": 1,,}", reason: "InvalidJson", message: /^shard-1\.json: invalid JSON at line 2, column 16: unexpected ",", expected a property name in double quotes$/ },
  { name: "another JSON file", text: "{\"url\": \"rtsp://x/y\"}", reason: "NotAShardFile", message: /^shard-1\.json: not an rtsp-harness shard file \(no "format": "rtsp-harness-shard"\)/ },
  { name: "a later version", text: edited((j) => void (j.version = 2)), reason: "OtherVersion", message: /^shard-1\.json: version: shard file version 2; this rtsp-harness reads version 1/ },
  {
    name: "a figure of the wrong type",
    text: edited((j) => void ((clientsOf(j)[1]?.metrics ?? {}).fps = "fast")),
    reason: "InvalidShard",
    message: /^shard-1\.json: clients\[1\]\.metrics\.fps: Expected number, actual "fast"$/m
  },
  { name: "a field no version has", text: edited((j) => void (j.colour = "blue")), reason: "InvalidShard", message: /^shard-1\.json: colour: is unexpected/m },
  {
    name: "histogram counts that do not add up",
    text: edited((j) => void ((j.intervalsMs as Record<string, unknown>).count = 1)),
    reason: "InvalidShard",
    message: /^shard-1\.json: intervalsMs\.count: count 1 is not low \+ the bucket counts \(117\)/m
  },
  { name: "an index beyond the count", text: edited((j) => void (j.shard = { index: 4, count: 4 })), reason: "InvalidShard", message: /^shard-1\.json: shard\.index: index 4 is not below count 4 \(indices are 0-based\)$/ },
  {
    name: "a scenario with a bad duration",
    text: edited((j) => void (((j.scenario as Record<string, Array<Record<string, unknown>>>).steps ?? [])[3] = { step: "wait", duration: "soon" })),
    reason: "InvalidShard",
    message: /^shard-1\.json: scenario\.steps\[3\]\.duration: /m
  },
  { name: "another histogram mapping", text: edited((j) => void (j.histogramRelativeError = 0.02)), reason: "InvalidShard", message: /histogramRelativeError: Expected 0\.01, actual 0\.02/ }
]

describe("shard file", () => {
  it("reads back what it wrote", () => {
    const text = encodeShardFile(file)
    expect(decodeShardFile(text, SOURCE)).toEqual(Either.right(file))
    // A byte-order mark from an editor is no problem.
    expect(decodeShardFile(`\uFEFF${text}`, SOURCE)).toEqual(Either.right(file))
  })

  it("leaves out what a run's ClientRun has beyond the file's fields (reply times per method, tracks)", () => {
    const withExtras: ShardFile = {
      ...file,
      clients: file.clients.map((c) => (c.metrics === undefined ? c : { ...c, metrics: { ...c.metrics, rtspMs: {}, tracks: [] } }))
    }
    const back = decodeShardFile(encodeShardFile(withExtras), SOURCE)
    expect(back).toEqual(Either.right(file))
  })

  it.each(cases)("$name: $reason, named with the file and the path", ({ text, reason, message }) => {
    const error = errorOf(text)
    expect(error?.reason).toBe(reason)
    expect(error?.message).toMatch(message)
  })

  it("lists at most ten problems of a file wrong everywhere", () => {
    // Five problems in each of the shard's three clients.
    const error = errorOf(edited((j) =>
      clientsOf(j).forEach((c) => {
        Object.assign(c, { ok: "yes", index: -1 })
        Object.assign(c.metrics ?? {}, { fps: "x", framesReceived: -1, jitterMs: "x" })
      })
    ))
    expect(error?.message.split("\n")).toHaveLength(11)
    expect(error?.message).toMatch(/\nshard-1\.json: … and 5 more problems$/)
  })

  it("never throws, whatever the text", () => {
    const valid = encodeShardFile(file)
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer({ min: 0, max: valid.length - 3 }).map((n) => valid.slice(0, n))), (text) => {
        expect(Either.isLeft(decodeShardFile(text, SOURCE))).toBe(true)
      }),
      { numRuns: 300 }
    )
  })
})
