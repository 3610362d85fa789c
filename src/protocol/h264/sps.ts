/**
 * The H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1), read far enough to say what a
 * tester wants to know: profile, level, chroma format, bit depth and the picture size after
 * cropping. Bytes in, data out; a truncated or impossible SPS is a typed error, never a throw.
 */
import { Either } from "effect"
import type { BitReader } from "../nal/rbsp.js"
import { outOfRange, readSps, type SequenceParameters, type SpsError } from "../nal/sequenceParameters.js"
import { nalType, NAL_TYPE_SPS } from "./rfc6184Depacketizer.js"

/** Profile names: "Baseline", "Constrained Baseline", "Main", "High", ...; level 1b for level_idc 11 with constraint_set3 in Baseline. */
export interface H264Sps extends SequenceParameters {
  /** constraint_set0..5 flags, as the byte after profile_idc carries them. */
  readonly constraintFlags: number
  /** False for field or MBAFF coding. */
  readonly frameMbsOnly: boolean
}

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

const H264_SPS = { headerBytes: 1, spsType: NAL_TYPE_SPS, typeOf: nalType, needs: "picture size" }

/** Reads an SPS NAL unit (header byte included, as the depacketizer gives it). */
export const parseH264Sps = (nal: Uint8Array): Either.Either<H264Sps, SpsError> =>
  readSps(nal, H264_SPS, (r) => {
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
  })
