/**
 * The two MJPEG containers: the lab's `.Mjpeg` (each frame prefixed by its
 * length in 5 ASCII digits) and raw concatenated JPEGs (`ffmpeg -f mjpeg`),
 * split by walking each JPEG to its EOI. Splitting goes on past a bad frame
 * wherever it can, so that every bad frame is reported, not just the first.
 */
import { Either } from "effect"
import { findJpegEnd } from "../protocol/jpeg/markers.js"
import { type MediaProblem, mediaProblem } from "./problems.js"

export type MjpegContainer = "lab" | "raw"

export interface FrameSlice {
  /** 0-based ordinal in the file; frames that could not be delimited take an ordinal too (and a problem). */
  readonly index: number
  /** Byte offset of the frame's JPEG in the file (after the length prefix, for the lab format). */
  readonly offset: number
  /** A view into the file's buffer, never a copy. */
  readonly jpeg: Buffer
}

export interface SplitResult {
  readonly frames: ReadonlyArray<FrameSlice>
  readonly problems: ReadonlyArray<MediaProblem>
}

export const LAB_PREFIX_BYTES = 5
export const LAB_MAX_FRAME_BYTES = 99_999

const SOI = Buffer.from([0xff, 0xd8])

const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x30 && byte <= 0x39

const isSoiAt = (buf: Buffer, at: number): boolean => buf[at] === 0xff && buf[at + 1] === 0xd8

export const detectContainer = (buf: Buffer): MjpegContainer | undefined => {
  if (isSoiAt(buf, 0)) return "raw"
  if (buf.length >= LAB_PREFIX_BYTES && buf.subarray(0, LAB_PREFIX_BYTES).every(isDigit)) return "lab"
  return undefined
}

/** Printable ASCII as is, anything else as \xNN: how a bad prefix is shown. */
const showBytes = (bytes: Buffer): string =>
  `"${Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join("")}"`

const splitLab = (buf: Buffer): SplitResult => {
  const frames: Array<FrameSlice> = []
  const problems: Array<MediaProblem> = []
  let pos = 0
  while (pos < buf.length) {
    const index = frames.length
    const left = buf.length - pos
    if (left < LAB_PREFIX_BYTES) {
      problems.push(mediaProblem(
        "PartialLengthPrefix",
        pos,
        `the file ends with ${left} byte${left === 1 ? "" : "s"} (${showBytes(buf.subarray(pos))}), too few for a ${LAB_PREFIX_BYTES}-digit length prefix`,
        index
      ))
      break
    }
    const prefix = buf.subarray(pos, pos + LAB_PREFIX_BYTES)
    if (!prefix.every(isDigit)) {
      // Without a length there is no telling where the next frame starts.
      problems.push(mediaProblem(
        "BadLengthPrefix",
        pos,
        `length prefix ${showBytes(prefix)} is not ${LAB_PREFIX_BYTES} ASCII digits; the remaining ${left} bytes cannot be split into frames`,
        index
      ))
      break
    }
    const length = Number(prefix.toString("latin1"))
    const start = pos + LAB_PREFIX_BYTES
    const end = start + length
    if (end > buf.length) {
      problems.push(mediaProblem(
        "TruncatedFrame",
        start,
        `the length prefix declares ${length} bytes but the file ends at byte ${buf.length}, ${buf.length - start} bytes into the frame`,
        index
      ))
      break
    }
    frames.push({ index, offset: start, jpeg: buf.subarray(start, end) })
    pos = end
  }
  return { frames, problems }
}

const splitRaw = (buf: Buffer): SplitResult => {
  const frames: Array<FrameSlice> = []
  const problems: Array<MediaProblem> = []
  let index = 0
  let pos = 0
  /** Where the next JPEG starts, at or after `from` (the end of the file if none). */
  const nextSoi = (from: number): number => {
    const at = buf.indexOf(SOI, from)
    return at < 0 ? buf.length : at
  }
  while (pos < buf.length) {
    if (!isSoiAt(buf, pos)) {
      const stop = nextSoi(pos)
      problems.push(mediaProblem("NotJpeg", pos, `${stop - pos} byte${stop - pos === 1 ? "" : "s"} outside any JPEG (no SOI marker FF D8 at byte ${pos})`))
      pos = stop
      continue
    }
    const end = findJpegEnd(buf, pos)
    if (Either.isRight(end)) {
      frames.push({ index, offset: pos, jpeg: buf.subarray(pos, end.right) })
      index++
      pos = end.right
      continue
    }
    const error = end.left
    if (error.reason === "BadSegment" && isSoiAt(buf, error.offset)) {
      // A new JPEG begins before this one ended: this one was cut short.
      problems.push(mediaProblem("TruncatedFrame", pos, `the JPEG is cut off: a new JPEG (SOI) starts at byte ${error.offset} before this one's EOI`, index))
      pos = error.offset
    } else {
      problems.push(
        error.reason === "Truncated"
          ? mediaProblem("TruncatedFrame", pos, `the JPEG has no EOI: ${error.message}`, index)
          : mediaProblem("BadJpeg", error.offset, error.message, index)
      )
      // Resynchronise on the next SOI after this one's. Not after the error: a bogus segment
      // length (a frame cut inside its headers) can swallow the good frames that follow.
      // Scan data that ran to the end of the file has no SOI in it: nothing to find there.
      pos = error.offset >= buf.length ? buf.length : nextSoi(pos + 2)
    }
    index++
  }
  return { frames, problems }
}

export const splitMjpeg = (buf: Buffer, container: MjpegContainer): SplitResult =>
  container === "lab" ? splitLab(buf) : splitRaw(buf)

/** Writes frames in the lab format: `[5-digit zero-padded length][JPEG]` each. */
export const encodeLabMjpeg = (frames: ReadonlyArray<Buffer>): Either.Either<Buffer, MediaProblem> => {
  const parts: Array<Buffer> = []
  let offset = 0
  for (const [index, frame] of frames.entries()) {
    if (frame.length > LAB_MAX_FRAME_BYTES) {
      return Either.left(mediaProblem(
        "FrameTooLargeForLabFormat",
        offset + LAB_PREFIX_BYTES,
        `${frame.length} bytes; a 5-digit length prefix allows at most ${LAB_MAX_FRAME_BYTES}`,
        index
      ))
    }
    parts.push(Buffer.from(String(frame.length).padStart(LAB_PREFIX_BYTES, "0"), "latin1"), frame)
    offset += LAB_PREFIX_BYTES + frame.length
  }
  return Either.right(Buffer.concat(parts, offset))
}
