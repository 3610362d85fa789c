/**
 * The relay's ingest: the sample's RTP in, whole frames out, repacketized at our MTU with the
 * source's pixels; each kind of bad input rejected with its reason, and the frames around it kept.
 */
import { describe, expect, it } from "@effect/vitest"
import sharp from "sharp"
import { makeRfc2435Depacketizer } from "../../../src/protocol/jpeg/rfc2435Depacketizer.js"
import { type IngestEvent, type IngestOptions, makeFrameIngest } from "../../../src/server/relay/frameIngest.js"
import { makeRtpJpegSource, sourceJpegs } from "../../support/rtpJpegSource.js"

const OPTIONS: IngestOptions = { payloadType: 26, mtu: 1000, maxFps: 240, maxAheadMs: 2000 }
const FRAME_MS = 50

const pushAll = (ingest: ReturnType<typeof makeFrameIngest>, packets: ReadonlyArray<Buffer>, arrivalMs: number): Array<IngestEvent> =>
  packets.flatMap((p) => [...ingest.push(p, 0, p.length, arrivalMs)])

/** The JPEG a viewer rebuilds from the relayed payloads. */
const rebuilt = (payloads: ReadonlyArray<Buffer>): Buffer => {
  const depacketizer = makeRfc2435Depacketizer()
  const events = payloads.flatMap((payload, i) => [...depacketizer.push({ timestamp: 1, marker: i === payloads.length - 1, payload })])
  expect(events).toHaveLength(1)
  const [event] = events
  if (event?._tag !== "Frame") throw new Error(`not a frame: ${JSON.stringify(event)}`)
  return event.jpeg
}

const pixels = (jpeg: Buffer): Promise<Buffer> => sharp(jpeg).raw().toBuffer()

const tags = (events: ReadonlyArray<IngestEvent>) => events.map((e) => (e._tag === "Frame" ? "Frame" : e.reason))

describe("frame ingest", () => {
  it("turns every frame of the sample into payloads at our MTU that rebuild a JPEG with the source's exact pixels", async () => {
    const source = makeRtpJpegSource()
    const ingest = makeFrameIngest(OPTIONS)
    for (let k = 0; k < sourceJpegs.length; k++) {
      const events = pushAll(ingest, source.frame(k), k * FRAME_MS)
      expect(tags(events)).toEqual(["Frame"])
      const frame = events[0]!
      if (frame._tag !== "Frame") continue
      expect(frame.payloads.every((p) => p.length + 12 <= OPTIONS.mtu)).toBe(true)
      expect(frame.timestamp).toBe((12345 + k * 4500) >>> 0)
      expect([frame.width, frame.height]).toEqual([384, 288])
      expect((await pixels(rebuilt(frame.payloads))).equals(await pixels(sourceJpegs[k]!)), `frame ${k}`).toBe(true)
    }
    expect(ingest.ssrc()).toBe(0x5eed)
  })

  it("rejects what is not RTP, another payload type and a second SSRC, and keeps the next frame", () => {
    const ingest = makeFrameIngest(OPTIONS)
    const good = makeRtpJpegSource()
    expect(tags(pushAll(ingest, good.frame(0), 0))).toEqual(["Frame"])
    expect(tags([...ingest.push(Buffer.from("not rtp"), 0, 7, 10)])).toEqual(["NotRtp"])
    expect(tags(pushAll(ingest, makeRtpJpegSource({ payloadType: 96 }).frame(1).slice(0, 1), 20))).toEqual(["PayloadType"])
    expect(tags(pushAll(ingest, makeRtpJpegSource({ ssrc: 7 }).frame(1).slice(0, 1), 30))).toEqual(["Ssrc"])
    expect(tags(pushAll(ingest, good.frame(1), FRAME_MS))).toEqual(["Frame"])
  })

  it("rejects a frame with a lost fragment as incomplete, and the frame after it is whole", () => {
    const ingest = makeFrameIngest(OPTIONS)
    const source = makeRtpJpegSource()
    const broken = [...source.frame(0)]
    expect(broken.length).toBeGreaterThan(2)
    broken.splice(1, 1)
    const events = pushAll(ingest, broken, 0)
    expect(tags(events)).toEqual(["Incomplete"])
    expect(events[0]).toMatchObject({ message: expect.stringContaining("frame dropped") })
    expect(tags(pushAll(ingest, source.frame(1), FRAME_MS))).toEqual(["Frame"])
  })

  it("rejects a publisher running ahead of real time, and takes its frames again once the wall clock catches up", () => {
    const ingest = makeFrameIngest(OPTIONS)
    const source = makeRtpJpegSource()
    // 100 frames (5 s of media at 20 fps) all arriving at once: past 2 s ahead they are refused.
    const burst = Array.from({ length: 100 }, (_, k) => tags(pushAll(ingest, source.frame(k), 0))[0])
    const firstRefused = burst.indexOf("TooFast")
    expect(firstRefused).toBe(41)
    expect(burst.slice(0, 41).every((t) => t === "Frame")).toBe(true)
    expect(burst.slice(41).every((t) => t === "TooFast")).toBe(true)
    // At the wall time frame 100 is due, it is taken.
    expect(tags(pushAll(ingest, source.frame(100), 100 * FRAME_MS))).toEqual(["Frame"])
  })

  it("rejects frames beyond the rate cap within one second, whatever their timestamps say", () => {
    const ingest = makeFrameIngest({ ...OPTIONS, maxFps: 30, maxAheadMs: 1_000_000 })
    const source = makeRtpJpegSource()
    const second = Array.from({ length: 40 }, (_, k) => tags(pushAll(ingest, source.frame(k), k * 10))[0])
    expect(second.filter((t) => t === "Frame")).toHaveLength(30)
    expect(second.slice(30).every((t) => t === "TooFast")).toBe(true)
    expect(tags(pushAll(ingest, source.frame(40), 1000))).toEqual(["Frame"])
  })
})
