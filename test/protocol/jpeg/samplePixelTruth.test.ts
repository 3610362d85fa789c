/**
 * Pixel truth on the sample the server ships: every frame of
 * video/movie.Mjpeg, packetized and rebuilt, decodes to exactly the pixels
 * of the source frame, at the default MTU and at a small one that forces
 * many fragments.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import sharp from "sharp"
import { analyzeMjpeg } from "../../../src/media/analyze.js"
import { makeRfc2435Depacketizer } from "../../../src/protocol/jpeg/rfc2435Depacketizer.js"
import { packetizeRfc2435 } from "../../../src/protocol/jpeg/rfc2435Packetizer.js"

const SAMPLE = "video/movie.Mjpeg"
const analysis = analyzeMjpeg(readFileSync(SAMPLE), { fileName: SAMPLE })

describe("video/movie.Mjpeg", () => {
  it("is servable in both dialects: 200 frames, 384x288 4:2:0 at 20 fps, every frame within the classic limit", () => {
    expect(analysis.problems).toEqual([])
    expect(analysis.standard.servable && analysis.classic.servable).toBe(true)
    expect([analysis.frames.length, analysis.width, analysis.height, analysis.sampling, analysis.fps]).toEqual([200, 384, 288, "4:2:0", 20])
    expect(analysis.frameBytes.max).toBeLessThanOrEqual(20_000)
  })

  it.each([1400, 300])("every frame survives RFC 2435 at MTU %i with identical pixels", async (mtu) => {
    const frames = analysis.rfc2435Frames ?? []
    expect(frames.length).toBe(200)
    const depacketizer = makeRfc2435Depacketizer()
    for (const [index, frame] of frames.entries()) {
      const packets = Either.getOrThrow(packetizeRfc2435(frame, { mtu }))
      if (mtu === 300) expect(packets.length).toBeGreaterThan(10)
      const events = packets.flatMap((payload, i) =>
        depacketizer.push({ timestamp: index * 4500, marker: i === packets.length - 1, payload }))
      expect(events.length).toBe(1)
      const rebuilt = events[0]
      if (rebuilt?._tag !== "Frame") throw new Error(`frame ${index}: ${JSON.stringify(rebuilt)}`)
      const [expected, actual] = await Promise.all([
        sharp(analysis.frames[index]!.jpeg).raw().toBuffer(),
        sharp(rebuilt.jpeg).raw().toBuffer()
      ])
      expect(actual.equals(expected), `frame ${index} pixels`).toBe(true)
    }
  })
})
