/**
 * "Frames decode" on the sample's real RFC 2435 packets: whole frames pass; a frame whose scan
 * was cut short (the marker on an early packet) rebuilds but does not decode cleanly, and fails.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { checkFramesDecode, sampleFrames } from "../../../harness/conformance/frameDecode.js"
import type { PacketRecord } from "../../../harness/conformance/streamAnalysis.js"
import { analyzeMjpeg } from "../../../src/media/analyze.js"
import { packetizeRfc2435 } from "../../../src/protocol/jpeg/rfc2435Packetizer.js"
import { writeRtpHeader } from "../../../src/protocol/rtp.js"

const frames = (analyzeMjpeg(readFileSync("video/movie.Mjpeg"), { fileName: "movie.Mjpeg" }).rfc2435Frames ?? []).slice(0, 3)
const payloads = frames.map((frame) => Either.getOrThrow(packetizeRfc2435(frame, { mtu: 1400 })))

/** Frame k's packets, the marker on packet `lastOf(k)` and nothing after it. */
const records = (lastOf: (frame: number, count: number) => number): Array<PacketRecord> => {
  let seq = 100
  return payloads.flatMap((packets, frame) =>
    packets.slice(0, lastOf(frame, packets.length) + 1).map((payload, i, kept) => {
      const header = Buffer.alloc(12)
      const marker = i === kept.length - 1
      writeRtpHeader(header, 0, marker, 26, seq, frame * 4500, 0xabc)
      return { seq: seq++, timestamp: frame * 4500, marker, ssrc: 0xabc, payloadType: 26, arrivalMs: frame * 50, data: Buffer.concat([header, payload]) }
    }))
}

describe("checkFramesDecode", () => {
  it("passes frames that rebuild and decode, naming their size", () =>
    Effect.gen(function* () {
      expect(payloads.length).toBe(3)
      const outcome = yield* checkFramesDecode(records((_, n) => n - 1))
      expect(outcome.status).toBe("PASS")
      expect(outcome.actual).toMatch(/^3 frames rebuilt, 3 of 3 sampled decode \(\d+x\d+\)$/)
    }))

  it("fails a frame whose scan data was cut short", () =>
    Effect.gen(function* () {
      expect(payloads[1]!.length).toBeGreaterThan(2)
      const outcome = yield* checkFramesDecode(records((frame, n) => (frame === 1 ? 1 : n - 1)))
      expect(outcome.status).toBe("FAIL")
      expect(outcome.actual).toContain("3 frames rebuilt, 2 of 3 sampled decode")
      expect(outcome.actual).toContain("timestamp 4500:")
    }))

  it("fails when no frame completes", () =>
    Effect.gen(function* () {
      const outcome = yield* checkFramesDecode([])
      expect(outcome).toMatchObject({ status: "FAIL", actual: "no frame rebuilt from 0 packets" })
    }))
})

describe("sampleFrames", () => {
  it("keeps short lists, and spreads a long one evenly from the first to the last", () => {
    expect(sampleFrames([1, 2, 3], 5)).toEqual([1, 2, 3])
    expect(sampleFrames([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3)).toEqual([0, 5, 10])
  })
})
