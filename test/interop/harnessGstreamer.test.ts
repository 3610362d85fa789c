/**
 * The harness against a server we did not write: GStreamer's RTSP server
 * (rtpjpegpay) serving the sample at 20 fps. The harness's ClientSession (its
 * client, UDP sockets, receiver and RTCP) plays it for about 3 s over UDP and over TCP and must
 * report the right figures: no loss, no dropped frames, ~20 fps, RTP
 * timestamps 4500 apart, and frames that decode to exactly the source pixels
 * of the frames they claim to be (frame numbers read from the pixels). Also
 * with a dynamic payload type (96, known only from a=rtpmap:96 JPEG/90000),
 * which is what rtpjpegpay sends unless told otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import sharp from "sharp"
import type { ReceivedFrame } from "../../harness/receiver/mjpegReceiver.js"
import { makeClientSession } from "../../harness/session/ClientSession.js"
import { readFrameNumber } from "../../src/video/frameCode.js"
import { type GstRtspServer, sampleFrames, startGstRtspServer } from "../support/gstRtspServer.js"
import { gstRtspServer } from "../support/tools.js"

const gst = gstRtspServer()
const FPS = 20
const PLAY_MS = 3000

const PAYLOAD_TYPES = [26, 96] as const
type PayloadType = (typeof PAYLOAD_TYPES)[number]
const servers = new Map<PayloadType, GstRtspServer>()
const source = sampleFrames()

beforeAll(async () => {
  if (gst.skip) return
  // Both started before either is checked, so neither is left running if the other fails.
  const started = await Promise.allSettled(PAYLOAD_TYPES.map((payloadType) => startGstRtspServer({ fps: FPS, payloadType })))
  started.forEach((result, i) => {
    const payloadType = PAYLOAD_TYPES[i]
    if (result.status === "fulfilled" && payloadType !== undefined) servers.set(payloadType, result.value)
  })
  const failed = started.find((result) => result.status === "rejected")
  if (failed !== undefined) throw failed.reason
})

afterAll(async () => {
  await Promise.all([...servers.values()].map((server) => server.close()))
})

const serverUrl = (payloadType: PayloadType): string => {
  const server = servers.get(payloadType)
  if (server === undefined) throw new Error(`the GStreamer RTSP server (PT ${payloadType}) did not start`)
  return server.url
}

const decode = (jpeg: Buffer) =>
  Effect.promise(() => sharp(jpeg).raw().toBuffer({ resolveWithObject: true }))

/** The harness's ClientSession: DESCRIBE, SETUP over `transport`, PLAY, ~3 s of media, TEARDOWN. */
const playFor = (transport: "udp" | "tcp", payloadType: PayloadType) =>
  Effect.gen(function* () {
    const frames: Array<ReceivedFrame> = []
    // No fallback: a UDP case must really be UDP.
    const session = yield* makeClientSession({ url: serverUrl(payloadType), transport, expectedFps: FPS, udpFallbackMs: 0, rtcpIntervalMs: 1000, onFrame: (frame) => frames.push(frame) })
    const described = yield* session.describe
    yield* session.setup
    yield* session.play()
    yield* Effect.sleep(PLAY_MS)
    yield* session.teardown
    const snapshot = session.snapshot()
    expect(snapshot.transport).toBe(transport)
    // GStreamer accepts our receiver reports as keep-alive traffic; they were sent on the right path.
    expect(snapshot.receiverReportsSent).toBeGreaterThanOrEqual(2)
    return { described, frames, snapshot: snapshot.receiver }
  })

describe("interop: the harness plays GStreamer's RTSP server", () => {
  const cases = [
    { transport: "udp", payloadType: 26 },
    { transport: "tcp", payloadType: 26 },
    { transport: "udp", payloadType: 96 }
  ] as const
  for (const { transport, payloadType } of cases) {
    it.scopedLive.skipIf(gst.skip)(`over ${transport}, PT ${payloadType}: correct figures and source pixels (requires ${gst.name})`, () =>
      Effect.gen(function* () {
        const { described, frames, snapshot } = yield* playFor(transport, payloadType)

        const track = described.sdp.media.find((m) => m.kind === "video")
        expect(track?.formats).toEqual([payloadType])
        expect(track?.rtpmaps.some((m) => m.payloadType === payloadType && m.encoding.toUpperCase() === "JPEG" && m.clockRate === 90000)).toBe(true)

        const { rtp, frames: stats } = snapshot
        // 3 s at 20 fps is 60 frames; the band allows for start-up and a busy machine.
        expect(stats.framesReceived).toBeGreaterThanOrEqual(40)
        expect(stats.framesReceived).toBeLessThanOrEqual(75)
        expect(snapshot.undecodable).toBe(0)
        expect(rtp.packetsLost).toBe(0)
        expect(rtp.duplicates).toBe(0)
        expect(stats.framesDropped).toBe(0)
        expect(stats.droppedByReason).toEqual({})
        expect(stats.fps).toBeGreaterThan(17)
        expect(stats.fps).toBeLessThan(23)
        expect(stats.timestampStepExpected).toBe(4500)
        expect(stats.timestampStepMismatches).toBe(0)
        expect(stats.timestampsConsistent).toBe(true)
        // Paced, not a burst: the frames span most of the play time.
        const first = frames[0]
        const last = frames[frames.length - 1]
        expect(first).toBeDefined()
        expect(last).toBeDefined()
        if (first === undefined || last === undefined) return
        expect(last.arrivalMs - first.arrivalMs).toBeGreaterThan(0.6 * PLAY_MS)

        // Every frame decodes to exactly the pixels of the source frame whose number it carries,
        // and the numbers run on by one (no frame lost, repeated or reordered).
        const numbers: Array<number | undefined> = []
        for (const frame of frames) {
          const got = yield* decode(frame.jpeg)
          const n = readFrameNumber(got.data, got.info.width, got.info.height, got.info.channels)
          numbers.push(n)
          const original = n === undefined ? undefined : source[n]
          expect(original, `frame number ${String(n)} is in the source`).toBeDefined()
          if (original === undefined) continue
          const want = yield* decode(original)
          expect(got.info).toEqual(want.info)
          expect(got.data.equals(want.data), `frame ${String(n)}: same pixels as the source`).toBe(true)
        }
        const start = numbers[0] ?? 0
        expect(numbers).toEqual(Array.from({ length: frames.length }, (_, i) => start + i))
      })
    )
  }
})
