/**
 * "Frames decode": the received packets are rebuilt into JPEGs by the harness receiver (the
 * project's RFC 2435 depacketizer) and a sample of them is decoded to pixels with sharp.
 */
import { Effect } from "effect"
import sharp from "sharp"
import { makeMjpegReceiver, type ReceivedFrame } from "../receiver/mjpegReceiver.js"
import type { PacketRecord } from "./streamAnalysis.js"
import { fail, type Outcome, pass } from "./types.js"
import { messageOf } from "../../src/common/errorText.js"

/** Decoding every frame of a long watch would cost more than it tells. */
const MAX_DECODED = 12

/** Up to `max` frames spread evenly over the list, always the first and the last. */
export const sampleFrames = <A>(frames: ReadonlyArray<A>, max: number): ReadonlyArray<A> => {
  if (frames.length <= max) return frames
  const picked: Array<A> = []
  for (let i = 0; i < max; i++) picked.push(frames[Math.round((i * (frames.length - 1)) / (max - 1))]!)
  return picked
}

const decodeJpeg = (jpeg: Buffer) =>
  Effect.tryPromise({
    // failOn "warning": libjpeg reports corrupt or truncated scan data as a warning, and decodes it to grey.
    try: () => sharp(jpeg, { failOn: "warning" }).raw().toBuffer({ resolveWithObject: true }),
    catch: (error) => messageOf(error)
  }).pipe(Effect.map(({ info }) => ({ width: info.width, height: info.height })))

export const checkFramesDecode = (packets: ReadonlyArray<PacketRecord>): Effect.Effect<Outcome> =>
  Effect.gen(function* () {
    const expected = "every frame rebuilds (RFC 2435) and decodes as a JPEG"
    const receiver = makeMjpegReceiver({ dialect: "standard" })
    const frames: Array<ReceivedFrame> = []
    for (const p of packets) frames.push(...receiver.onRtp(p.data, p.arrivalMs))
    const { framesDropped, droppedByReason } = receiver.snapshot().frames
    const drops = Object.entries(droppedByReason).map(([reason, n]) => `${n} ${reason}`).join(", ")
    if (frames.length === 0) return fail(expected, `no frame rebuilt from ${packets.length} packets${framesDropped > 0 ? `; dropped: ${drops}` : ""}`)
    const sample = sampleFrames(frames, MAX_DECODED)
    const sizes = new Set<string>()
    const errors: Array<string> = []
    for (const frame of sample) {
      const decoded = yield* Effect.either(decodeJpeg(frame.jpeg))
      if (decoded._tag === "Right") sizes.add(`${decoded.right.width}x${decoded.right.height}`)
      else errors.push(`timestamp ${frame.timestamp}: ${decoded.left}`)
    }
    const summary = `${frames.length} frames rebuilt, ${sample.length - errors.length} of ${sample.length} sampled decode${sizes.size > 0 ? ` (${[...sizes].join(", ")})` : ""}`
    if (errors.length > 0) return fail(expected, `${summary}; ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`)
    if (framesDropped > 0) return fail(expected, `${summary}; ${framesDropped} dropped incomplete: ${drops}`)
    return pass(expected, summary)
  })
