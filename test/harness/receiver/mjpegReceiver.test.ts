/**
 * The receiver against ground truth: the sample's real RFC 2435 and classic
 * packets, sent at known times with known loss, must come out as exactly the
 * frames and the counts that were put in.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { makeMjpegReceiver } from "../../../harness/receiver/mjpegReceiver.js"
import { analyzeMjpeg } from "../../../src/media/analyze.js"
import { packetizeRfc2435 } from "../../../src/protocol/jpeg/rfc2435Packetizer.js"
import { writeRtpHeader } from "../../../src/protocol/rtp.js"

const analysis = analyzeMjpeg(readFileSync("video/movie.Mjpeg"), { fileName: "movie.Mjpeg" })
const frames = analysis.rfc2435Frames ?? []
const packetized = frames.slice(0, 40).map((frame) => Either.getOrThrow(packetizeRfc2435(frame, { mtu: 1400 })))

const datagram = (seq: number, timestamp: number, marker: boolean, payload: Buffer): Buffer => {
  const header = Buffer.alloc(12)
  writeRtpHeader(header, 0, marker, 26, seq, timestamp, 0xabcdef01)
  return Buffer.concat([header, payload])
}

/** The standard stream of the first 40 frames at 20 fps, starting near the 16-bit sequence wrap. */
const standardStream = (): Array<{ readonly bytes: Buffer; readonly atMs: number; readonly frame: number }> => {
  let seq = 65530
  return packetized.flatMap((packets, frame) =>
    packets.map((payload, i) => ({
      bytes: datagram(seq++ & 0xffff, frame * 4500, i === packets.length - 1, payload),
      atMs: 1000 + frame * 50 + i * 0.1,
      frame
    })))
}

describe("MjpegReceiver", () => {
  it("standard: every frame rebuilt, 20 fps, no loss, consistent timestamps", () => {
    const receiver = makeMjpegReceiver({ dialect: "standard", expectedFps: 20 })
    receiver.onPlaySent(990)
    const out = standardStream().flatMap((p) => receiver.onRtp(p.bytes, p.atMs))
    expect(out.length).toBe(40)
    const snapshot = receiver.snapshot()
    expect(snapshot.frames.framesReceived).toBe(40)
    expect(snapshot.frames.fps).toBeCloseTo(20, 1)
    expect(snapshot.frames.timestampsConsistent).toBe(true)
    expect(snapshot.frames.startupMs).toBeCloseTo(1000 + 0.1 * (packetized[0]!.length - 1) - 990, 6)
    expect(snapshot.rtp.packetsLost).toBe(0)
    expect(snapshot.rtp.packetsReceived).toBe(packetized.reduce((n, p) => n + p.length, 0))
  })

  it("standard: a frame's JPEG (built on first read) is the same read at once or after the whole stream", () => {
    const atOnce = makeMjpegReceiver({ dialect: "standard" })
    const later = makeMjpegReceiver({ dialect: "standard" })
    const stream = standardStream()
    const read = stream.flatMap((p) => atOnce.onRtp(p.bytes, p.atMs).map((f) => Buffer.from(f.jpeg)))
    const kept = stream.flatMap((p) => later.onRtp(p.bytes, p.atMs))
    expect(kept.map((f) => f.jpeg)).toEqual(read)
    expect(read[0]?.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
  })

  it("standard: a lost packet loses exactly its frame, counted with the reason, and one packet lost", () => {
    const receiver = makeMjpegReceiver({ dialect: "standard", expectedFps: 20 })
    const stream = standardStream()
    // Drop the second packet of frame 7.
    const victim = stream.findIndex((p) => p.frame === 7) + 1
    const out = stream.filter((_, i) => i !== victim).flatMap((p) => receiver.onRtp(p.bytes, p.atMs))
    expect(out.map((f) => f.timestamp / 4500)).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 7))
    const snapshot = receiver.snapshot()
    expect(snapshot.frames.framesDropped).toBe(1)
    expect(snapshot.frames.droppedByReason).toEqual({ MissingFragment: 1 })
    expect(snapshot.rtp.packetsLost).toBe(1)
  })

  it("classic: whole JPEGs, one per datagram; a non-JPEG payload is a dropped frame; garbage is counted", () => {
    const receiver = makeMjpegReceiver({ dialect: "classic", expectedFps: 20 })
    const jpegs = analysis.frames.slice(0, 10).map((f) => f.jpeg)
    const out = jpegs.flatMap((jpeg, i) => receiver.onRtp(datagram(i + 1, i * 4500, false, jpeg), i * 50))
    expect(out.map((f) => f.jpeg)).toEqual(jpegs)
    receiver.onRtp(datagram(11, 10 * 4500, false, Buffer.from("not a jpeg")), 500)
    receiver.onRtp(Buffer.from([1, 2, 3]), 510)
    const snapshot = receiver.snapshot()
    expect(snapshot.frames.framesReceived).toBe(10)
    expect(snapshot.frames.droppedByReason).toEqual({ NotJpeg: 1 })
    expect(snapshot.undecodable).toBe(1)
  })
})
