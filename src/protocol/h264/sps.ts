/**
 * The H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1), read far enough to say what a
 * tester wants to know: profile, level, chroma format, bit depth and the picture size after
 * cropping. Bytes in, data out; a truncated or impossible SPS is a typed error, never a throw.
 */
import { Data, Either } from "effect"
import { bitReader, type BitReader, PastTheEnd } from "../nal/rbsp.js"
import { nalType, NAL_TYPE_SPS } from "./rfc6184Depacketizer.js"

export interface H264Sps {
  readonly profileIdc: number
  /** The profile's name ("Baseline", "Constrained Baseline", "Main", "High", ...), or "profile N". */
  readonly profile: string
  /** constraint_set0..5 flags, as the byte after profile_idc carries them. */
  readonly constraintFlags: number
  readonly levelIdc: number
  /** The level as people write it: 3.1 for level_idc 31 (1b for level_idc 11 with constraint_set3 in Baseline). */
  readonly level: string
  readonly spsId: number
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  readonly chromaFormatIdc: number
  readonly bitDepthLuma: number
  readonly bitDepthChroma: number
  /** False for field or MBAFF coding. */
  readonly frameMbsOnly: boolean
  /** The picture size after the SPS's frame cropping, in luma samples. */
  readonly width: number
  readonly height: number
}

export class H264SpsError extends Data.TaggedError("H264SpsError")<{
  readonly reason: "NotSps" | "Truncated" | "OutOfRange"
  readonly message: string
}> {}

/** The profiles whose SPS carries chroma format, bit depths and scaling matrices. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135])

const PROFILE_NAMES: Readonly<Record<number, string>> = {
  66: "Baseline",
  77: "Main",
  88: "Extended",
  100: "High",
  110: "High 10",
  122: "High 4:2:2",
  244: "High 4:4:4 Predictive",
  44: "CAVLC 4:4:4 Intra"
}

const profileName = (idc: number, constraintFlags: number): string => {
  // constraint_set1 makes Baseline the Constrained Baseline profile (A.2.2).
  if (idc === 66 && (constraintFlags & 0x40) !== 0) return "Constrained Baseline"
  return PROFILE_NAMES[idc] ?? `profile ${idc}`
}

const levelName = (idc: number, profileIdc: number, constraintFlags: number): string => {
  if (idc === 11 && (constraintFlags & 0x10) !== 0 && (profileIdc === 66 || profileIdc === 77 || profileIdc === 88)) return "1b"
  if (idc === 9) return "1b"
  return (idc / 10).toFixed(1).replace(/\.0$/, "")
}

const skipScalingList = (r: BitReader, size: number): void => {
  let last = 8
  let next = 8
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256
    last = next === 0 ? last : next
  }
}

/** Reads an SPS NAL unit (header byte included, as the depacketizer gives it). */
export const parseH264Sps = (nal: Uint8Array): Either.Either<H264Sps, H264SpsError> => {
  if (nal.length < 1 || nalType(nal[0]!) !== NAL_TYPE_SPS) {
    return Either.left(new H264SpsError({ reason: "NotSps", message: `NAL type ${nal.length < 1 ? "none (empty)" : nalType(nal[0]!)} is not an SPS (7)` }))
  }
  const r = bitReader(nal.subarray(1))
  const outOfRange = (what: string, value: number) =>
    Either.left(new H264SpsError({ reason: "OutOfRange", message: `SPS ${what} ${value} is out of range` }))
  try {
    const profileIdc = r.u(8)
    const constraintFlags = r.u(8)
    const levelIdc = r.u(8)
    const spsId = r.ue()
    if (spsId > 31) return outOfRange("seq_parameter_set_id", spsId)
    let chromaFormatIdc = 1
    let separateColourPlane = false
    let bitDepthLuma = 8
    let bitDepthChroma = 8
    if (HIGH_PROFILES.has(profileIdc)) {
      chromaFormatIdc = r.ue()
      if (chromaFormatIdc > 3) return outOfRange("chroma_format_idc", chromaFormatIdc)
      if (chromaFormatIdc === 3) separateColourPlane = r.u(1) === 1
      bitDepthLuma = 8 + r.ue()
      bitDepthChroma = 8 + r.ue()
      if (bitDepthLuma > 14 || bitDepthChroma > 14) return outOfRange("bit depth", Math.max(bitDepthLuma, bitDepthChroma))
      r.u(1) // qpprime_y_zero_transform_bypass_flag
      if (r.u(1) === 1) {
        for (let i = 0; i < (chromaFormatIdc === 3 ? 12 : 8); i++) if (r.u(1) === 1) skipScalingList(r, i < 6 ? 16 : 64)
      }
    }
    r.ue() // log2_max_frame_num_minus4
    const pocType = r.ue()
    if (pocType === 0) r.ue()
    else if (pocType === 1) {
      r.u(1)
      r.se()
      r.se()
      const cycle = r.ue()
      if (cycle > 255) return outOfRange("num_ref_frames_in_pic_order_cnt_cycle", cycle)
      for (let i = 0; i < cycle; i++) r.se()
    } else if (pocType !== 2) return outOfRange("pic_order_cnt_type", pocType)
    r.ue() // max_num_ref_frames
    r.u(1) // gaps_in_frame_num_value_allowed_flag
    const widthInMbs = r.ue() + 1
    const heightInMapUnits = r.ue() + 1
    const frameMbsOnly = r.u(1) === 1
    if (!frameMbsOnly) r.u(1) // mb_adaptive_frame_field_flag
    r.u(1) // direct_8x8_inference_flag
    let crop = [0, 0, 0, 0]
    if (r.u(1) === 1) crop = [r.ue(), r.ue(), r.ue(), r.ue()]
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc
    const fieldFactor = frameMbsOnly ? 1 : 2
    const cropUnitX = chromaArrayType === 0 ? 1 : chromaFormatIdc === 3 ? 1 : 2
    const cropUnitY = (chromaArrayType === 0 ? 1 : chromaFormatIdc === 1 ? 2 : 1) * fieldFactor
    const width = widthInMbs * 16 - cropUnitX * (crop[0]! + crop[1]!)
    const height = fieldFactor * heightInMapUnits * 16 - cropUnitY * (crop[2]! + crop[3]!)
    if (width <= 0 || height <= 0) return outOfRange("cropped size", Math.min(width, height))
    return Either.right({
      profileIdc,
      profile: profileName(profileIdc, constraintFlags),
      constraintFlags,
      levelIdc,
      level: levelName(levelIdc, profileIdc, constraintFlags),
      spsId,
      chromaFormatIdc,
      bitDepthLuma,
      bitDepthChroma,
      frameMbsOnly,
      width,
      height
    })
  } catch (error) {
    if (error instanceof PastTheEnd) return Either.left(new H264SpsError({ reason: "Truncated", message: "the SPS ends before its picture size" }))
    throw error
  }
}
