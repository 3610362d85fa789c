/**
 * The H.265 sequence parameter set (ITU-T H.265 §7.3.2.2), read as far as a tester needs it:
 * profile, tier, level (from profile_tier_level), chroma format, bit depth and the picture size
 * after the conformance window. Bytes in, data out; a truncated or impossible SPS is a typed
 * error, never a throw.
 */
import { Data, Either } from "effect"
import { bitReader, type BitReader, PastTheEnd } from "../nal/rbsp.js"
import { H265_NAL_TYPE_SPS, h265NalType } from "./rfc7798Depacketizer.js"

export interface H265Sps {
  readonly profileIdc: number
  /** "Main", "Main 10", "Main Still Picture", "Format Range Extensions", ... or "profile N". */
  readonly profile: string
  readonly tier: "Main" | "High"
  readonly levelIdc: number
  /** The level as people write it: 3.1 for general_level_idc 93. */
  readonly level: string
  readonly spsId: number
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  readonly chromaFormatIdc: number
  readonly bitDepthLuma: number
  readonly bitDepthChroma: number
  /** The picture size after the conformance window, in luma samples. */
  readonly width: number
  readonly height: number
}

export class H265SpsError extends Data.TaggedError("H265SpsError")<{
  readonly reason: "NotSps" | "Truncated" | "OutOfRange"
  readonly message: string
}> {}

const PROFILE_NAMES: Readonly<Record<number, string>> = {
  1: "Main",
  2: "Main 10",
  3: "Main Still Picture",
  4: "Format Range Extensions",
  5: "High Throughput",
  9: "Screen Content Coding"
}

/** Skips `bits` bits, 32 at a time (the reader's width). */
const skip = (r: BitReader, bits: number): void => {
  for (let left = bits; left > 0; left -= 32) r.u(Math.min(32, left))
}

/** profile_tier_level(1, maxSubLayersMinus1): the general profile, tier and level; the sub-layers' are skipped. */
const profileTierLevel = (r: BitReader, maxSubLayersMinus1: number) => {
  r.u(2) // general_profile_space
  const tier = r.u(1) === 1 ? "High" as const : "Main" as const
  const profileIdc = r.u(5)
  skip(r, 32 + 48) // compatibility flags; progressive, interlaced, non-packed, frame-only and 44 constraint bits
  const levelIdc = r.u(8)
  const profilePresent: Array<boolean> = []
  const levelPresent: Array<boolean> = []
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.u(1) === 1)
    levelPresent.push(r.u(1) === 1)
  }
  if (maxSubLayersMinus1 > 0) skip(r, 2 * (8 - maxSubLayersMinus1))
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) skip(r, 88)
    if (levelPresent[i]) skip(r, 8)
  }
  return { tier, profileIdc, levelIdc }
}

/** Reads an SPS NAL unit (its 2-byte header included, as the depacketizer gives it). */
export const parseH265Sps = (nal: Uint8Array): Either.Either<H265Sps, H265SpsError> => {
  if (nal.length < 2 || h265NalType(nal[0]!) !== H265_NAL_TYPE_SPS) {
    return Either.left(new H265SpsError({ reason: "NotSps", message: `NAL type ${nal.length < 2 ? "none (under 2 bytes)" : h265NalType(nal[0]!)} is not an SPS (33)` }))
  }
  const outOfRange = (what: string, value: number) =>
    Either.left(new H265SpsError({ reason: "OutOfRange", message: `SPS ${what} ${value} is out of range` }))
  const r = bitReader(nal.subarray(2))
  try {
    r.u(4) // sps_video_parameter_set_id
    const maxSubLayersMinus1 = r.u(3)
    if (maxSubLayersMinus1 > 6) return outOfRange("sps_max_sub_layers_minus1", maxSubLayersMinus1)
    r.u(1) // sps_temporal_id_nesting_flag
    const { tier, profileIdc, levelIdc } = profileTierLevel(r, maxSubLayersMinus1)
    const spsId = r.ue()
    if (spsId > 15) return outOfRange("sps_seq_parameter_set_id", spsId)
    const chromaFormatIdc = r.ue()
    if (chromaFormatIdc > 3) return outOfRange("chroma_format_idc", chromaFormatIdc)
    const separateColourPlane = chromaFormatIdc === 3 && r.u(1) === 1
    const codedWidth = r.ue()
    const codedHeight = r.ue()
    let window = [0, 0, 0, 0]
    if (r.u(1) === 1) window = [r.ue(), r.ue(), r.ue(), r.ue()]
    const bitDepthLuma = 8 + r.ue()
    const bitDepthChroma = 8 + r.ue()
    if (bitDepthLuma > 16 || bitDepthChroma > 16) return outOfRange("bit depth", Math.max(bitDepthLuma, bitDepthChroma))
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc
    const subWidth = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1
    const subHeight = chromaArrayType === 1 ? 2 : 1
    const width = codedWidth - subWidth * (window[0]! + window[1]!)
    const height = codedHeight - subHeight * (window[2]! + window[3]!)
    if (width <= 0 || height <= 0) return outOfRange("cropped size", Math.min(width, height))
    return Either.right({
      profileIdc,
      profile: PROFILE_NAMES[profileIdc] ?? `profile ${profileIdc}`,
      tier,
      levelIdc,
      level: (levelIdc / 30).toFixed(1).replace(/\.0$/, ""),
      spsId,
      chromaFormatIdc,
      bitDepthLuma,
      bitDepthChroma,
      width,
      height
    })
  } catch (error) {
    if (error instanceof PastTheEnd) return Either.left(new H265SpsError({ reason: "Truncated", message: "the SPS ends before its bit depths" }))
    throw error
  }
}
