/**
 * Decoded frames as packed 8-bit RGB, the one pixel format every source
 * (SVG renderer, image files, JPEG frames, ffmpeg) is turned into before
 * encoding. Sharp does the decoding; its promises are wrapped here once.
 */
import { Effect } from "effect"
import sharp from "sharp"
import { VideoError } from "./errors.js"
import type { FrameSize } from "./size.js"
import { messageOf } from "../common/errorText.js"

export interface RawFrame {
  readonly width: number
  readonly height: number
  /** width * height * 3 bytes, RGB, row-major. */
  readonly data: Buffer
}


/** Renders an SVG document to RGB pixels at its own size (no fonts involved: the SVG must not use <text>). */
export const renderSvg = (svg: string, size: FrameSize): Effect.Effect<RawFrame, VideoError> =>
  Effect.tryPromise({
    try: () =>
      sharp(Buffer.from(svg))
        .resize(size.width, size.height, { fit: "fill" })
        .flatten({ background: "#000000" })
        .toColourspace("srgb")
        .raw()
        .toBuffer({ resolveWithObject: true }),
    catch: (cause) => new VideoError({ reason: "EncodeFailed", message: `could not render a frame: ${messageOf(cause)}`, cause })
  }).pipe(Effect.flatMap(({ data, info }) => checkRgb(data, info, "the rendered frame")))

const checkRgb = (
  data: Buffer,
  info: { readonly width: number; readonly height: number; readonly channels: number },
  what: string
): Effect.Effect<RawFrame, VideoError> =>
  info.channels === 3
    ? Effect.succeed({ width: info.width, height: info.height, data })
    : Effect.fail(new VideoError({ reason: "DecodeFailed", message: `${what} decoded to ${info.channels} channels instead of 3 (RGB)` }))

/** Size of an image (file path or encoded bytes) as displayed, i.e. after its EXIF orientation. */
export const imageSize = (input: string | Buffer, what: string): Effect.Effect<FrameSize, VideoError> =>
  Effect.tryPromise({
    try: () => sharp(input).metadata(),
    catch: (cause) => new VideoError({ reason: "DecodeFailed", message: `cannot read ${what}: ${messageOf(cause)}`, cause })
  }).pipe(Effect.map((m) => ({ width: m.autoOrient.width, height: m.autoOrient.height })))

/**
 * Decodes an image (any format sharp reads) to RGB at exactly `size`: upright,
 * transparency flattened onto black, grey or CMYK converted, scaled to cover
 * the size and centre-cropped (so rounding to multiples of 8 never distorts).
 */
export const decodeImage = (input: string | Buffer, size: FrameSize, what: string): Effect.Effect<RawFrame, VideoError> =>
  Effect.tryPromise({
    try: () =>
      sharp(input)
        .autoOrient()
        .flatten({ background: "#000000" })
        .toColourspace("srgb")
        .resize(size.width, size.height, { fit: "cover", position: "centre" })
        .raw()
        .toBuffer({ resolveWithObject: true }),
    catch: (cause) => new VideoError({ reason: "DecodeFailed", message: `cannot decode ${what}: ${messageOf(cause)}`, cause })
  }).pipe(Effect.flatMap(({ data, info }) => checkRgb(data, info, what)))

/** Wraps RGB pixels that came from elsewhere (ffmpeg) after checking their length. */
export const rawFrameOf = (data: Buffer, size: FrameSize): RawFrame | undefined =>
  data.length === size.width * size.height * 3 ? { width: size.width, height: size.height, data } : undefined

/** Encodes RGB pixels as PNG. */
export const encodePng = (frame: RawFrame): Effect.Effect<Buffer, VideoError> =>
  Effect.tryPromise({
    try: () => sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).png().toBuffer(),
    catch: (cause) => new VideoError({ reason: "EncodeFailed", message: `could not encode PNG: ${messageOf(cause)}`, cause })
  })

/** Decodes a JPEG and re-encodes it as PNG at its own size. */
export const jpegToPng = (
  jpeg: Buffer,
  what: string
): Effect.Effect<{ readonly data: Buffer; readonly width: number; readonly height: number }, VideoError> =>
  Effect.tryPromise({
    try: () => sharp(jpeg).png().toBuffer({ resolveWithObject: true }),
    catch: (cause) => new VideoError({ reason: "DecodeFailed", message: `cannot decode ${what}: ${messageOf(cause)}`, cause })
  }).pipe(Effect.map(({ data, info }) => ({ data, width: info.width, height: info.height })))
