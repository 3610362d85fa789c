/**
 * The frame rate travels inside the file as a JPEG comment in the first frame
 * (`FF FE <len> effect-rtsp:fps=<n>`), right after SOI, where the media reader
 * looks for it. Decoders ignore COM segments, so the picture is unchanged.
 */
import { FPS_COMMENT_PREFIX } from "../media/analyze.js"

/** Up to 3 decimals, no trailing zeros: 20 -> "20", 29.97002997 -> "29.97". */
export const formatFps = (fps: number): string => String(Math.round(fps * 1000) / 1000)

export const fpsCommentSegment = (fps: number): Buffer => {
  const text = Buffer.from(`${FPS_COMMENT_PREFIX}${formatFps(fps)}`, "latin1")
  const header = Buffer.from([0xff, 0xfe, 0, 0])
  header.writeUInt16BE(text.length + 2, 2)
  return Buffer.concat([header, text])
}

/** The JPEG with the fps comment inserted after its SOI (a copy; the input is not changed). */
export const withFpsComment = (jpeg: Buffer, fps: number): Buffer =>
  Buffer.concat([jpeg.subarray(0, 2), fpsCommentSegment(fps), jpeg.subarray(2)])
