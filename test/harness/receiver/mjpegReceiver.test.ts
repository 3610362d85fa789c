/**
 * The receiver against ground truth: the sample's real RFC 2435 and classic
 * packets, sent at known times with known loss, must come out as exactly the
 * frames and the counts that were put in.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { makeMjpegCounter, makeMjpegReceiver } from "../../../harness/receiver/mjpegReceiver.js"
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

describe("MjpegCounter: the receiver's figures without keeping a byte", () => {
  /** Feeds each datagram through one reused buffer, overwritten after every call, as batched receive does. */
  const countThroughReusedBuffer = (
    counter: ReturnType<typeof makeMjpegCounter>,
    datagrams: ReadonlyArray<{ readonly bytes: Buffer; readonly atMs: number }>
  ): number => {
    const reused = Buffer.alloc(65536)
    let frames = 0
    for (const { bytes, atMs } of datagrams) {
      const offset = 3
      bytes.copy(reused, offset)
      frames += counter.countRtp(reused, offset, bytes.length, atMs)
      reused.fill(0x5a, 0, offset + bytes.length)
    }
    return frames
  }

  // Loss, a duplicate, reordering, garbage and a stray SSRC-less scrap: every figure must match.
  const impaired = (): Array<{ readonly bytes: Buffer; readonly atMs: number }> => {
    const stream = standardStream()
    const victim = stream.findIndex((p) => p.frame === 7) + 1
    const out: Array<{ readonly bytes: Buffer; readonly atMs: number }> = stream.filter((_, i) => i !== victim)
    const swapAt = out.findIndex((p) => p.atMs > 1500)
    ;[out[swapAt], out[swapAt + 1]] = [out[swapAt + 1]!, out[swapAt]!]
    out.splice(swapAt + 5, 0, out[swapAt + 4]!)
    out.splice(20, 0, { bytes: Buffer.from([1, 2, 3]), atMs: 1200 })
    return out
  }

  it("the impaired stream has each impairment the comparison relies on", () => {
    const receiver = makeMjpegReceiver({ dialect: "standard" })
    for (const p of impaired()) receiver.onRtp(p.bytes, p.atMs)
    const { rtp, frames, undecodable } = receiver.snapshot()
    // Two frames go: the lost packet's and the reordered pair's (the depacketizer does not reorder).
    expect([rtp.packetsLost, rtp.duplicates, rtp.reordered, undecodable, frames.framesDropped]).toEqual([1, 1, 1, 1, 2])
  })

  it.each([
    { name: "a clean stream", dialect: "standard" as const, datagrams: standardStream },
    { name: "an impaired stream", dialect: "standard" as const, datagrams: impaired },
    {
      name: "a classic stream with a non-JPEG payload",
      dialect: "classic" as const,
      datagrams: () => [
        ...analysis.frames.slice(0, 10).map((f, i) => ({ bytes: datagram(i + 1, i * 4500, false, f.jpeg), atMs: i * 50 })),
        { bytes: datagram(11, 10 * 4500, false, Buffer.from("not a jpeg")), atMs: 500 }
      ]
    }
  ])("$name: the same snapshot, frame times and count as the receiver", ({ dialect, datagrams }) => {
    const receiver = makeMjpegReceiver({ dialect, expectedFps: 20 })
    const counter = makeMjpegCounter({ dialect, expectedFps: 20 })
    receiver.onPlaySent(990)
    counter.onPlaySent(990)
    const input = datagrams()
    const received = input.flatMap((p) => receiver.onRtp(p.bytes, p.atMs)).length
    expect(countThroughReusedBuffer(counter, input)).toBe(received)
    expect(counter.snapshot()).toEqual(receiver.snapshot())
    expect(counter.frameArrivalsMs()).toEqual(receiver.frameArrivalsMs())
    expect(counter.frameIntervalsMs()).toEqual(receiver.frameIntervalsMs())
    expect(received).toBeGreaterThan(5)
  })
})

describe("strays: packets of another SSRC than SETUP announced", () => {
  // Another stream's packets (an earlier owner of the port): their own SSRC, sequence numbers far off.
  const withStrays = (): Array<{ readonly bytes: Buffer; readonly atMs: number }> => {
    const out: Array<{ readonly bytes: Buffer; readonly atMs: number }> = []
    standardStream().forEach((p, i) => {
      out.push(p)
      if (i % 9 === 4) {
        const stray = Buffer.from(p.bytes)
        stray.writeUInt16BE((i * 7919) & 0xffff, 2)
        stray.writeUInt32BE(0x5eed5eed, 8)
        out.push({ bytes: stray, atMs: p.atMs + 0.01 })
      }
    })
    return out
  }

  it.each([
    { kind: "receiver", make: () => makeMjpegReceiver({ dialect: "standard", expectedFps: 20 }) },
    { kind: "counter", make: () => makeMjpegCounter({ dialect: "standard", expectedFps: 20 }) }
  ])("the $kind counts them apart and measures exactly the announced stream", ({ make }) => {
    const feed = (r: ReturnType<typeof make>, datagrams: ReadonlyArray<{ readonly bytes: Buffer; readonly atMs: number }>) => {
      r.onPlaySent(990)
      for (const d of datagrams) {
        if ("countRtp" in r) r.countRtp(d.bytes, 0, d.bytes.length, d.atMs)
        else r.onRtp(d.bytes, d.atMs)
      }
      return r.snapshot()
    }
    const clean = feed(make(), standardStream())
    const guarded = make()
    guarded.expectSsrc(0xabcdef01)
    const strays = withStrays()
    const got = feed(guarded, strays)
    const strayCount = strays.length - standardStream().length
    expect(strayCount).toBeGreaterThan(10)
    expect(got).toEqual({ ...clean, rtp: { ...clean.rtp, strayPackets: strayCount } })
    // Unguarded, the same input ruins the figures: what the guard is for.
    const unguarded = feed(make(), strays)
    expect(unguarded.rtp.packetsLost + unguarded.rtp.reordered + unguarded.rtp.duplicates).toBeGreaterThan(0)
  })
})
