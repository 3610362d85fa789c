/**
 * The parameter sets a description carries out of band: a table of fmtp lines (GStreamer's H.264
 * and H.265 ones, a camera's, the empty and broken ones) with the NAL units or the error each
 * must give, and properties seeded from the same table: any NAL units written as base64 (padded
 * or not) come back, and a value spoiled by one character is refused with the parameter's name.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { spropParameterSets } from "../../../src/protocol/nal/spropParameterSets.js"
import { parseFormatParameters } from "../../../src/protocol/sdpTracks.js"

const GSTREAMER_H264_FMTP =
  "packetization-mode=1;sprop-parameter-sets=Z2QADay0Cg/YCIAAAAMAgAAAGQeKFVA=,aO8Pyw==;profile-level-id=64000d;level-asymmetry-allowed=1"
const GSTREAMER_H265_FMTP =
  "sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbqSTK8BaAgAAAAwCAAAAMhA==;sprop-pps=RAHBcrRiQA=="

const H264_SPS = "6764000dacb40a0fd808800000030080000019078a1550"
const H264_PPS = "68ef0fcb"
const H265_VPS = "40010c01ffff01600000030090000003000003003cba0240"
const H265_SPS = "42010101600000030090000003000003003ca00a080f165ba924caf0168080000003008000000c84"
const H265_PPS = "4401c172b46240"

export const SPROP_VECTORS: ReadonlyArray<{
  readonly name: string
  readonly codec: "H264" | "H265"
  readonly fmtp: string
  /** The NAL units as hex, or a piece of the message. */
  readonly expected: ReadonlyArray<string> | { readonly error: string }
}> = [
  { name: "GStreamer H.264: SPS then PPS", codec: "H264", fmtp: GSTREAMER_H264_FMTP, expected: [H264_SPS, H264_PPS] },
  { name: "GStreamer H.265: VPS, SPS, PPS", codec: "H265", fmtp: GSTREAMER_H265_FMTP, expected: [H265_VPS, H265_SPS, H265_PPS] },
  {
    name: "H.265 written PPS first: still VPS, SPS, PPS, the order a decoder wants",
    codec: "H265",
    fmtp: "sprop-pps=RAHBcrRiQA==;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbqSTK8BaAgAAAAwCAAAAMhA==;sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA",
    expected: [H265_VPS, H265_SPS, H265_PPS]
  },
  {
    name: "a camera's: spaces after the commas and the semicolons, names in mixed case",
    codec: "H264",
    fmtp: "Profile-Level-Id=4d401e; Packetization-Mode=1; Sprop-Parameter-Sets=Z01AHuygUhfxEmAiAAADAAIAAAMAZB4sWyw=, aO48gA==",
    expected: ["674d401eeca05217f1126022000003000200000300641e2c5b2c", "68ee3c80"]
  },
  { name: "base64 without its padding", codec: "H264", fmtp: "sprop-parameter-sets=Z2QADay0Cg/YCIAAAAMAgAAAGQeKFVA,aO8Pyw", expected: [H264_SPS, H264_PPS] },
  { name: "no sprop parameter: none", codec: "H264", fmtp: "packetization-mode=1;profile-level-id=64000d", expected: [] },
  { name: "an empty fmtp: none", codec: "H265", fmtp: "", expected: [] },
  { name: "an empty value: none", codec: "H264", fmtp: "packetization-mode=1;sprop-parameter-sets=", expected: [] },
  { name: "a trailing comma adds nothing", codec: "H264", fmtp: "sprop-parameter-sets=Z2QADay0Cg/YCIAAAAMAgAAAGQeKFVA=,aO8Pyw==,", expected: [H264_SPS, H264_PPS] },
  { name: "H.265 with only an SPS (the others empty)", codec: "H265", fmtp: "sprop-vps=;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbqSTK8BaAgAAAAwCAAAAMhA==;sprop-pps=", expected: [H265_SPS] },
  { name: "the other codec's parameters are not this one's", codec: "H264", fmtp: GSTREAMER_H265_FMTP, expected: [] },
  { name: "nor the other way round", codec: "H265", fmtp: GSTREAMER_H264_FMTP, expected: [] },
  {
    name: "a character base64 does not have",
    codec: "H264",
    fmtp: "sprop-parameter-sets=Z2QADay0Cg/YCIAAAAMAgAAAGQeKFVA=,aO8P*w==",
    expected: { error: 'sprop-parameter-sets: "aO8P*w==" is not base64' }
  },
  { name: "URL-safe base64 is not base64", codec: "H264", fmtp: "sprop-parameter-sets=Z2QADay0Cg_YCIAAAAMAgAAAGQeKFVA=", expected: { error: "sprop-parameter-sets:" } },
  { name: "a length no base64 has (4n + 1)", codec: "H264", fmtp: "sprop-parameter-sets=Z2QAD", expected: { error: 'sprop-parameter-sets: "Z2QAD" is not base64' } },
  { name: "padding in the middle", codec: "H265", fmtp: "sprop-vps=QA==EMAf", expected: { error: 'sprop-vps: "QA==EMAf" is not base64' } },
  {
    name: "a bad PPS after good VPS and SPS names the PPS",
    codec: "H265",
    fmtp: "sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbqSTK8BaAgAAAAwCAAAAMhA==;sprop-pps=RAH?crRiQA==",
    expected: { error: 'sprop-pps: "RAH?crRiQA==" is not base64' }
  },
  { name: "base64 of no bytes at all", codec: "H265", fmtp: "sprop-sps=A=", expected: { error: "sprop-sps: an empty parameter set" } }
]

const run = (codec: "H264" | "H265", fmtp: string) =>
  Either.map(spropParameterSets(codec, parseFormatParameters(fmtp)), (units) => units.map((u) => Buffer.from(u).toString("hex")))

describe("spropParameterSets", () => {
  it.each(SPROP_VECTORS)("$name", ({ codec, fmtp, expected }) => {
    const got = run(codec, fmtp)
    if ("error" in expected) {
      expect(Either.isLeft(got)).toBe(true)
      if (Either.isLeft(got)) expect(got.left).toContain(expected.error)
    } else {
      expect(got).toStrictEqual(Either.right(expected))
    }
  })
})

describe("spropParameterSets properties", () => {
  const tableUnits = SPROP_VECTORS.flatMap((v) => (Array.isArray(v.expected) ? v.expected : []) as ReadonlyArray<string>).map((h) => Buffer.from(h, "hex"))
  const unit = fc.oneof(fc.constantFrom(...tableUnits), fc.uint8Array({ minLength: 1, maxLength: 96 }).map((b) => Buffer.from(b)))
  const base64 = (b: Buffer, padded: boolean) => (padded ? b.toString("base64") : b.toString("base64").replace(/=+$/, ""))

  it("H.264: any SPS/PPS list written as base64, padded or not, comes back in order", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(unit, fc.boolean()), { minLength: 1, maxLength: 4 }), fc.constantFrom(",", ", "), (units, comma) => {
        const fmtp = `packetization-mode=1;sprop-parameter-sets=${units.map(([u, padded]) => base64(u, padded)).join(comma)};profile-level-id=42e01f`
        expect(run("H264", fmtp)).toStrictEqual(Either.right(units.map(([u]) => u.toString("hex"))))
      }),
      { numRuns: 300 }
    )
  })

  it("H.265: any VPS, SPS and PPS lists, in any order in the fmtp, come back VPS first, then SPS, then PPS", () => {
    const list = fc.array(unit, { maxLength: 2 })
    fc.assert(
      fc.property(list, list, list, fc.boolean(), (vps, sps, pps, reversed) => {
        const entries = [["sprop-vps", vps], ["sprop-sps", sps], ["sprop-pps", pps]] as const
        const fmtp = (reversed ? [...entries].reverse() : entries).map(([name, units]) => `${name}=${units.map((u) => base64(u, true)).join(",")}`).join(";")
        expect(run("H265", fmtp)).toStrictEqual(Either.right([...vps, ...sps, ...pps].map((u) => u.toString("hex"))))
      }),
      { numRuns: 300 }
    )
  })

  it("a table value spoiled by one character base64 does not have is refused, naming its parameter", () => {
    const good = SPROP_VECTORS.filter((v) => Array.isArray(v.expected) && v.expected.length > 0)
    fc.assert(
      fc.property(fc.constantFrom(...good), fc.nat(), fc.constantFrom("*", "-", "_", "!", "%", "."), ({ codec, fmtp }, at, bad) => {
        const parameters = parseFormatParameters(fmtp)
        const names = [...parameters.keys()].filter((name) => name.startsWith("sprop-") && parameters.get(name) !== "")
        const name = names[at % names.length]!
        const value = parameters.get(name)!
        const position = (at >> 3) % value.length
        const spoiled = new Map(parameters).set(name, `${value.slice(0, position)}${bad}${value.slice(position + 1)}`)
        const got = spropParameterSets(codec, spoiled)
        expect(Either.isLeft(got) && got.left.startsWith(`${name}: `)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })
})
