/**
 * The container an output path asks for: `.Mjpeg` is the lab format (5-digit
 * length prefixes, frames of at most 99,999 bytes); `.mjpeg` and `.mjpg` are
 * raw concatenated JPEGs.
 */
import { Either } from "effect"
import { extname } from "node:path"
import { LAB_MAX_FRAME_BYTES, type MjpegContainer } from "../media/container.js"
import { CLASSIC_MAX_FRAME_BYTES } from "../protocol/jpeg/classic.js"

export const containerForPath = (path: string): Either.Either<MjpegContainer, string> => {
  const ext = extname(path)
  if (ext === ".Mjpeg") return Either.right("lab")
  if (ext.toLowerCase() === ".mjpeg" || ext.toLowerCase() === ".mjpg") return Either.right("raw")
  return Either.left(
    `cannot tell the output format from "${path}": name it *.Mjpeg (lab format, 5-digit length prefix) or *.mjpeg / *.mjpg (raw concatenated JPEGs)`
  )
}

/**
 * The largest frame the output may hold: what the lab format's prefix can
 * express, and with `classic`, what the classic client can receive.
 */
export const frameByteLimit = (container: MjpegContainer, classic: boolean): number | undefined =>
  classic ? CLASSIC_MAX_FRAME_BYTES : container === "lab" ? LAB_MAX_FRAME_BYTES : undefined
