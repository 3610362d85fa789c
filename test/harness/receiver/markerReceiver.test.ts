/**
 * The receiver of tracks whose payload the harness does not take apart: frames delimited by the
 * marker bit and by the RTP timestamp. A table of packet sequences (sequence number, timestamp,
 * marker) with the frames each call completes and the counts; properties seeded from the same
 * table: moving the sequence numbers across the 16-bit wrap (and the timestamps across the
 * 32-bit one) changes nothing, duplicates and late packets change no frame count, and one packet
 * lost from a stream drops exactly one frame.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { makeMarkerReceiver } from "../../../harness/receiver/markerReceiver.js"
import { writeRtpHeader } from "../../../src/protocol/rtp.js"

/** [sequence number, timestamp, marker] */
type Packet = readonly [number, number, boolean]

const M = true
const _ = false

const datagram = ([seq, timestamp, marker]: Packet): Buffer => {
  const bytes = Buffer.alloc(12 + 4, 0xa5)
  writeRtpHeader(bytes, 0, marker, 97, seq, timestamp, 0x0a0d10ff)
  return bytes
}

/** Feeds the packets 20 ms apart: what each call completed, and the frame figures. */
const run = (packets: ReadonlyArray<Packet>, markerEndsFrames = true) => {
  const receiver = makeMarkerReceiver({ clockRate: 8000, markerEndsFrames })
  const completions = packets.map((p, i) => {
    const bytes = datagram(p)
    return receiver.countRtp(bytes, 0, bytes.length, 1000 + i * 20)
  })
  const { frames, rtp } = receiver.snapshot()
  return { completions, framesReceived: frames.framesReceived, framesDropped: frames.framesDropped, droppedByReason: frames.droppedByReason, rtp }
}

export const MARKER_VECTORS: ReadonlyArray<{
  readonly name: string
  readonly packets: ReadonlyArray<Packet>
  /** Frames each packet completed. */
  readonly completions: ReadonlyArray<number>
  readonly framesReceived: number
  /** All of them "SequenceGap". */
  readonly framesDropped: number
}> = [
  { name: "the marker ends each frame", packets: [[1, 0, M], [2, 3000, M], [3, 6000, M]], completions: [1, 1, 1], framesReceived: 3, framesDropped: 0 },
  {
    name: "a frame of several packets ends at its marker",
    packets: [[1, 0, _], [2, 0, _], [3, 0, M], [4, 3000, _], [5, 3000, M]],
    completions: [0, 0, 1, 0, 1],
    framesReceived: 2,
    framesDropped: 0
  },
  {
    name: "no markers (audio): each new timestamp ends the frame before; the last stays in progress",
    packets: [[1, 0, _], [2, 160, _], [3, 320, _], [4, 480, _]],
    completions: [0, 1, 1, 1],
    framesReceived: 3,
    framesDropped: 0
  },
  {
    name: "the marker on a talkspurt's first packet (RFC 3551 audio)",
    packets: [[1, 0, M], [2, 160, _], [3, 320, _]],
    completions: [1, 0, 1],
    framesReceived: 2,
    framesDropped: 0
  },
  { name: "a gap inside a frame drops it", packets: [[1, 0, _], [3, 0, M], [4, 3000, M]], completions: [0, 0, 1], framesReceived: 1, framesDropped: 1 },
  {
    name: "a gap after a marker drops the next frame",
    packets: [[1, 0, M], [3, 3000, _], [4, 3000, M], [5, 6000, M]],
    completions: [1, 0, 0, 1],
    framesReceived: 2,
    framesDropped: 1
  },
  {
    name: "a gap where the timestamp changes, no marker yet: the frame in progress lost its last packet, the new one is whole",
    packets: [[1, 0, _], [2, 0, _], [4, 3000, _], [5, 6000, _]],
    completions: [0, 0, 0, 1],
    framesReceived: 1,
    framesDropped: 1
  },
  {
    name: "duplicates change nothing",
    packets: [[1, 0, M], [1, 0, M], [2, 3000, _], [2, 3000, _], [3, 3000, M], [3, 3000, M]],
    completions: [1, 0, 0, 0, 1, 0],
    framesReceived: 2,
    framesDropped: 0
  },
  {
    name: "a late packet changes nothing: the frame it was missing from stays dropped",
    packets: [[1, 0, _], [3, 0, M], [2, 0, _], [4, 3000, M]],
    completions: [0, 0, 0, 1],
    framesReceived: 1,
    framesDropped: 1
  },
  {
    name: "a late packet of a frame already counted changes nothing",
    packets: [[1, 0, M], [2, 3000, M], [1, 0, M], [3, 6000, M]],
    completions: [1, 1, 0, 1],
    framesReceived: 3,
    framesDropped: 0
  },
  {
    name: "the sequence number wraps at 65535",
    packets: [[65534, 0, M], [65535, 3000, _], [0, 3000, M], [1, 6000, M]],
    completions: [1, 0, 1, 1],
    framesReceived: 3,
    framesDropped: 0
  },
  { name: "a gap across the wrap", packets: [[65535, 0, M], [1, 3000, M], [2, 6000, M]], completions: [1, 0, 1], framesReceived: 2, framesDropped: 1 },
  {
    name: "a late packet across the wrap",
    packets: [[65534, 0, M], [0, 3000, _], [65535, 3000, _], [1, 3000, M], [2, 6000, M]],
    completions: [1, 0, 0, 0, 1],
    framesReceived: 2,
    framesDropped: 1
  },
  {
    name: "the RTP timestamp wraps",
    packets: [[7, 4294963696, M], [8, 0, _], [9, 0, M], [10, 3600, M]],
    completions: [1, 0, 1, 1],
    framesReceived: 3,
    framesDropped: 0
  }
]

const counts = (r: ReturnType<typeof run>) => ({ framesReceived: r.framesReceived, framesDropped: r.framesDropped, droppedByReason: r.droppedByReason })

/** Audio (markerEndsFrames false): a packet is a frame, the marker starts a talkspurt. */
export const AUDIO_VECTORS: typeof MARKER_VECTORS = [
  {
    name: "audio: one packet lost between frames drops one frame, the lost one; its neighbours count whole",
    packets: [[1, 0, M], [2, 160, _], [4, 480, _], [5, 640, _]],
    completions: [1, 0, 1, 1],
    framesReceived: 3,
    framesDropped: 1
  },
  {
    name: "audio: a gap inside one timestamp still drops that frame",
    packets: [[1, 0, _], [3, 0, _], [4, 160, _]],
    completions: [0, 0, 0],
    framesReceived: 0,
    framesDropped: 1
  },
  {
    name: "audio: a new talkspurt after a gap",
    packets: [[1, 0, _], [2, 160, _], [5, 8000, M], [6, 8160, _]],
    completions: [0, 1, 2, 0],
    framesReceived: 3,
    framesDropped: 1
  }
]

describe("MarkerReceiver vectors", () => {
  it.each(MARKER_VECTORS)("$name", ({ packets, completions, framesReceived, framesDropped }) => {
    const got = run(packets)
    expect(got.completions).toEqual(completions)
    expect(counts(got)).toStrictEqual({ framesReceived, framesDropped, droppedByReason: framesDropped === 0 ? {} : { SequenceGap: framesDropped } })
  })

  it.each(AUDIO_VECTORS)("$name", ({ packets, completions, framesReceived, framesDropped }) => {
    const got = run(packets, false)
    expect(got.completions).toEqual(completions)
    expect(counts(got)).toStrictEqual({ framesReceived, framesDropped, droppedByReason: framesDropped === 0 ? {} : { SequenceGap: framesDropped } })
  })

  it("duplicates and late packets are in the RTP figures, not the frames", () => {
    const duplicates = run(MARKER_VECTORS[7]!.packets)
    expect(duplicates.rtp.duplicates).toBe(3)
    const late = run(MARKER_VECTORS[8]!.packets)
    expect([late.rtp.packetsReceived, late.rtp.packetsLost]).toEqual([4, 0])
  })

  it("a datagram that is not RTP completes nothing and is counted", () => {
    const receiver = makeMarkerReceiver({ clockRate: 8000 })
    expect(receiver.countRtp(Buffer.from([1, 2, 3]), 0, 3, 1000)).toBe(0)
    const bytes = datagram([1, 0, M])
    expect(receiver.countRtp(bytes, 0, bytes.length, 1020)).toBe(1)
    expect(receiver.snapshot().undecodable).toBe(1)
  })
})

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/** A stream of frames of 1 to 5 packets, marker on each frame's last, from any sequence number. */
const arbFrames = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 30 })
const framesStream = (sizes: ReadonlyArray<number>, firstSeq: number): Array<Packet & { readonly frame?: number }> => {
  let seq = firstSeq
  return sizes.flatMap((n, frame) => Array.from({ length: n }, (_unused, i): Packet => [seq++ & 0xffff, (frame * 3000) >>> 0, i === n - 1]))
}
const frameOf = (sizes: ReadonlyArray<number>, packet: number): number => {
  let end = 0
  return sizes.findIndex((n) => (end += n) > packet)
}

/** A table vector's packets, or a generated stream's. */
const arbPackets = fc.oneof(
  fc.constantFrom(...MARKER_VECTORS.map((v) => v.packets)),
  fc.tuple(arbFrames, fc.integer({ min: 0, max: 0xffff })).map(([sizes, first]) => framesStream(sizes, first))
)

describe("MarkerReceiver properties", () => {
  it("moving the sequence numbers and timestamps by any amount (across the wrap) changes nothing", () => {
    fc.assert(
      fc.property(arbPackets, fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), (packets, seqShift, tsShift) => {
        const moved = packets.map(([seq, ts, marker]): Packet => [(seq + seqShift) & 0xffff, (ts + tsShift) >>> 0, marker])
        const a = run(packets)
        const b = run(moved)
        expect([b.completions, counts(b)]).toStrictEqual([a.completions, counts(a)])
      }),
      { numRuns: 300 }
    )
  })

  it("copies of packets already seen (duplicates, late arrivals) change no frame count", () => {
    fc.assert(
      fc.property(arbPackets, fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 6 }), (packets, copies) => {
        // Each copy goes somewhere after its original, as a duplicate or a late packet does.
        const impaired: Array<Packet> = [...packets]
        for (const [from, gap] of copies) {
          const original = packets[from % packets.length]!
          const after = impaired.indexOf(original) + 1
          impaired.splice(after + (gap % (impaired.length - after + 1)), 0, original)
        }
        const a = run(packets)
        const b = run(impaired)
        expect(counts(b)).toStrictEqual(counts(a))
        expect(b.completions.reduce((x, y) => x + y, 0)).toBe(a.completions.reduce((x, y) => x + y, 0))
      }),
      { numRuns: 300 }
    )
  })

  it("one packet lost (not the first or the last) drops exactly one frame, the one the next packet belongs to; every other frame seen counts whole", () => {
    fc.assert(
      fc.property(arbFrames, fc.integer({ min: 0, max: 0xffff }), fc.nat(), (sizes, firstSeq, pick) => {
        const packets = framesStream(sizes, firstSeq)
        // Neither the first packet (nothing before it tells it was sent) nor the last (nothing after it).
        fc.pre(packets.length >= 3)
        const lost = 1 + (pick % (packets.length - 2))
        const got = run(packets.filter((_unused, i) => i !== lost))
        const lostFrame = frameOf(sizes, lost)
        // A frame of that one packet is gone altogether: only the packet loss shows it.
        const seen = sizes.length - (sizes[lostFrame] === 1 ? 1 : 0)
        expect(counts(got)).toStrictEqual({ framesReceived: seen - 1, framesDropped: 1, droppedByReason: { SequenceGap: 1 } })
        expect(got.rtp.packetsLost).toBe(1)
      }),
      { numRuns: 300 }
    )
  })
})
