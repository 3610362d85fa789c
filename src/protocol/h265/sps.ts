/**
 * The H.265 sequence parameter set (ITU-T H.265 §7.3.2.2), read as far as a tester needs it:
 * profile, tier, level (from profile_tier_level), chroma format, bit depth and the picture size
 * after the conformance window. Bytes in, data out; a truncated or impossible SPS is a typed
 * error, never a throw.
 */
import { Either } from "effect"
import type { BitReader } from "../nal/rbsp.js"
import { outOfRange, readSps, type SequenceParameters, type SpsError } from "../nal/sequenceParameters.js"
import { H265_NAL_TYPE_SPS, h265NalType } from "./rfc7798Depacketizer.js"

/** Profile names: "Main", "Main 10", "Main Still Picture", "Format Range Extensions", ...; level 3.1 for general_level_idc 93. */
export interface H265Sps extends SequenceParameters {
  readonly tier: "Main" | "High"
}

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

const H265_SPS = { headerBytes: 2, spsType: H265_NAL_TYPE_SPS, typeOf: h265NalType, needs: "bit depths" }

/** Reads an SPS NAL unit (its 2-byte header included, as the depacketizer gives it). */
export const parseH265Sps = (nal: Uint8Array): Either.Either<H265Sps, SpsError> =>
  readSps(nal, H265_SPS, (r) => {
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
  })
