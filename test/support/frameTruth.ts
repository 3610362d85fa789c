/**
 * What a viewer received, checked against the sample: each frame's number read from its pixels,
 * and its pixels equal to that source frame's (both decoded by sharp).
 */
import { Effect } from "effect"
import { expect } from "@effect/vitest"
import sharp from "sharp"
import type { ReceivedFrame } from "../../harness/receiver/mjpegReceiver.js"
import { readFrameNumber } from "../../src/video/frameCode.js"
import { sampleFrames } from "./gstRtspServer.js"

const source = sampleFrames()

export interface NumberedFrame {
  readonly n: number
  readonly arrivalMs: number
}

const decode = (jpeg: Buffer) => Effect.promise(() => sharp(jpeg).raw().toBuffer({ resolveWithObject: true }))

/** Each frame's number, read from its pixels, which must be the source frame's of that number. */
export const numberedFrames = (frames: ReadonlyArray<ReceivedFrame>): Effect.Effect<ReadonlyArray<NumberedFrame>> =>
  Effect.forEach(frames, (frame) =>
    Effect.gen(function* () {
      const got = yield* decode(frame.jpeg)
      const n = readFrameNumber(got.data, got.info.width, got.info.height, got.info.channels)
      const original = n === undefined ? undefined : source[n]
      expect(original, `frame number ${String(n)} is in the source`).toBeDefined()
      const want = yield* decode(original!)
      expect(got.data.equals(want.data), `frame ${String(n)}: the source's pixels`).toBe(true)
      return { n: n!, arrivalMs: frame.arrivalMs }
    }))

/** Frame numbers that follow one another through the looping source: n, n+1, …, 199, 0, 1, … */
export const consecutive = (numbers: ReadonlyArray<number>): boolean =>
  numbers.every((n, i) => i === 0 || n === (numbers[i - 1]! + 1) % source.length)
