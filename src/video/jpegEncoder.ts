/**
 * Encodes RGB frames as JPEG that every RFC 2435 receiver and the classic
 * client can show: baseline, 4:2:0, the standard quantisation and Huffman
 * tables. Sharp's mozjpeg defaults optimise the Huffman tables, which RFC 2435
 * receivers cannot know (they rebuild the standard ones), so every option that
 * changes the bitstream away from plain baseline is turned off explicitly.
 */
import { Effect } from "effect"
import sharp, { type JpegOptions } from "sharp"
import { VideoError } from "./errors.js"
import type { RawFrame } from "./rawFrame.js"
import { messageOf } from "../common/errorText.js"

export const MIN_QUALITY = 10
export const MAX_QUALITY = 100

export const servableJpegOptions = (quality: number): JpegOptions => ({
  quality,
  chromaSubsampling: "4:2:0",
  optimiseCoding: false,
  progressive: false,
  mozjpeg: false,
  trellisQuantisation: false,
  overshootDeringing: false,
  optimiseScans: false,
  // Table 0 is the ITU T.81 Annex K table that RFC 2435's Q factor also scales.
  quantisationTable: 0
})

export const encodeJpeg = (frame: RawFrame, quality: number): Effect.Effect<Buffer, VideoError> =>
  Effect.tryPromise({
    try: () =>
      sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
        .jpeg(servableJpegOptions(quality))
        .toBuffer(),
    catch: (cause) =>
      new VideoError({
        reason: "EncodeFailed",
        message: `could not encode a JPEG frame: ${messageOf(cause)}`,
        cause
      })
  })

export interface EncodedFrame {
  readonly jpeg: Buffer
  readonly quality: number
}

/**
 * Encodes at `quality`, or, when `maxBytes` is given and the frame is larger,
 * at the highest lower quality (down to MIN_QUALITY) whose frame fits. Fails
 * with FrameTooLarge when even MIN_QUALITY does not fit.
 */
export const encodeJpegWithin = (
  frame: RawFrame,
  quality: number,
  maxBytes: number | undefined,
  frameName: string
): Effect.Effect<EncodedFrame, VideoError> =>
  Effect.gen(function*() {
    const first = yield* encodeJpeg(frame, quality)
    if (maxBytes === undefined || first.length <= maxBytes) return { jpeg: first, quality }
    const floor = yield* encodeJpeg(frame, MIN_QUALITY)
    if (floor.length > maxBytes || quality <= MIN_QUALITY) {
      return yield* Effect.fail(
        new VideoError({
          reason: "FrameTooLarge",
          message: `${frameName} is ${floor.length} bytes even at quality ${MIN_QUALITY}; the limit is ${maxBytes} bytes (use a smaller --size)`
        })
      )
    }
    // Size grows with quality (near enough), so bisect for the best quality that fits.
    let best: EncodedFrame = { jpeg: floor, quality: MIN_QUALITY }
    let low = MIN_QUALITY + 1
    let high = quality - 1
    while (low <= high) {
      const q = Math.floor((low + high) / 2)
      const jpeg = yield* encodeJpeg(frame, q)
      if (jpeg.length <= maxBytes) {
        best = { jpeg, quality: q }
        low = q + 1
      } else {
        high = q - 1
      }
    }
    return best
  })
