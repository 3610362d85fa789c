/**
 * Frame dimensions the RFC 2435 payload can describe: multiples of 8 up to 2040
 * (the header stores width/8 and height/8 in one byte each).
 */
import { Either } from "effect"
import { MAX_RFC2435_DIMENSION } from "../protocol/jpeg/rfc2435Frame.js"

export interface FrameSize {
  readonly width: number
  readonly height: number
}

export const formatSize = (size: FrameSize): string => `${size.width}x${size.height}`

/** Parses `WxH` (e.g. `384x288`); the text of the Left explains what is wrong. */
export const parseSize = (text: string): Either.Either<FrameSize, string> => {
  const match = /^\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*$/.exec(text)
  if (!match) return Either.left(`invalid size "${text}": expected WIDTHxHEIGHT, e.g. 384x288`)
  return Either.right({ width: Number(match[1]), height: Number(match[2]) })
}

/** Why a size cannot be sent as RFC 2435 JPEG, or undefined when it can. */
export const servableSizeProblem = (size: FrameSize): string | undefined => {
  const { width, height } = size
  if (width <= 0 || height <= 0) return `size ${formatSize(size)}: width and height must be positive`
  if (width % 8 !== 0 || height % 8 !== 0) {
    return `size ${formatSize(size)}: width and height must be multiples of 8 (RFC 2435), e.g. ${formatSize(roundToServable(size))}`
  }
  if (width > MAX_RFC2435_DIMENSION || height > MAX_RFC2435_DIMENSION) {
    return `size ${formatSize(size)}: width and height must be at most ${MAX_RFC2435_DIMENSION} (RFC 2435)`
  }
  return undefined
}

const down8 = (n: number): number => Math.max(8, Math.floor(n / 8) * 8)

/**
 * The nearest servable size to `size`: scaled down (keeping the aspect ratio)
 * when a side exceeds 2040, then each side rounded down to a multiple of 8.
 */
export const roundToServable = (size: FrameSize): FrameSize => {
  const scale = Math.min(1, MAX_RFC2435_DIMENSION / size.width, MAX_RFC2435_DIMENSION / size.height)
  return { width: down8(size.width * scale), height: down8(size.height * scale) }
}
