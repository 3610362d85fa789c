/**
 * The receiving end of an H.264 (RFC 6184) or H.265 (RFC 7798) track: RTP in, access units and
 * what a tester of a camera wants to know out. A unit is a frame when it holds a picture (a VCL
 * NAL unit) and arrived whole; one with problems is dropped under its first problem's reason,
 * and every problem is counted. Beside the frame figures: the parameter sets (from the
 * description's sprop-* or in band), the SPS read (resolution, profile, level), keyframes and the
 * GOP between them, and the time from PLAY to the first whole keyframe, where a decoder can start.
 * Pure: no clock, no I/O.
 */
import { Either } from "effect"
import type { AccessUnit, NalDepacketizer, NalProblemReason } from "../../src/protocol/nal/nalDepacketizer.js"
import type { SequenceParameters, SpsError } from "../../src/protocol/nal/sequenceParameters.js"
import { makeRfc6184Depacketizer, nalType, NAL_TYPE_PPS, NAL_TYPE_SPS } from "../../src/protocol/h264/rfc6184Depacketizer.js"
import { parseH264Sps } from "../../src/protocol/h264/sps.js"
import { H265_NAL_TYPE_PPS, H265_NAL_TYPE_SPS, H265_NAL_TYPE_VPS, h265NalType, makeRfc7798Depacketizer } from "../../src/protocol/h265/rfc7798Depacketizer.js"
import { parseH265Sps } from "../../src/protocol/h265/sps.js"
import { type CountRtp, makeReceiverCore, type ReceiverCoreOptions, type ReceiverFigures } from "./receiverCore.js"

export type NalCodec = "H264" | "H265"

/** What a decoder needs of the track besides its access units. */
export interface NalStream {
  readonly codec: NalCodec
  /** The description's parameter sets (sprop-*), for before the first unit. */
  readonly parameterSets: ReadonlyArray<Uint8Array>
}

/** Every whole access unit holding a picture, with its index among the frames. */
export type OnAccessUnit = (unit: AccessUnit, index: number, arrivalMs: number, stream: NalStream) => void

/** What tells the codecs' NAL units apart, for the figures. */
interface NalKinds {
  readonly depacketizer: () => NalDepacketizer
  readonly isPicture: (nal: Uint8Array) => boolean
  readonly isParameterSet: (nal: Uint8Array) => boolean
  readonly isSps: (nal: Uint8Array) => boolean
  readonly readSps: (nal: Uint8Array) => Either.Either<SequenceParameters, SpsError>
}

const h264Type = (nal: Uint8Array): number => nalType(nal[0] ?? 0)
const h265Type = (nal: Uint8Array): number => h265NalType(nal[0] ?? 0)

const KINDS: Readonly<Record<NalCodec, NalKinds>> = {
  H264: {
    depacketizer: makeRfc6184Depacketizer,
    // Coded slices: types 1 (non-IDR) to 5 (IDR).
    isPicture: (nal) => h264Type(nal) >= 1 && h264Type(nal) <= 5,
    isParameterSet: (nal) => h264Type(nal) === NAL_TYPE_SPS || h264Type(nal) === NAL_TYPE_PPS,
    isSps: (nal) => h264Type(nal) === NAL_TYPE_SPS,
    readSps: parseH264Sps
  },
  H265: {
    depacketizer: makeRfc7798Depacketizer,
    // VCL NAL unit types are 0 to 31.
    isPicture: (nal) => nal.length >= 2 && h265Type(nal) <= 31,
    isParameterSet: (nal) => [H265_NAL_TYPE_VPS, H265_NAL_TYPE_SPS, H265_NAL_TYPE_PPS].includes(h265Type(nal)),
    isSps: (nal) => h265Type(nal) === H265_NAL_TYPE_SPS,
    readSps: parseH265Sps
  }
}

export interface GopSummary {
  /** Keyframe intervals seen (one fewer than the keyframes). */
  readonly count: number
  /** Pictures from one keyframe to the next, first one included. */
  readonly minFrames: number
  readonly maxFrames: number
  readonly lastFrames: number
}

export interface NalFigures {
  readonly codec: NalCodec
  /** Parameter sets the description carried (sprop-*), and those that came in band. */
  readonly parameterSetsFromSdp: number
  readonly parameterSetsInBand: number
  /** The first SPS that could be read, and where it came from. */
  readonly sps?: SequenceParameters & { readonly source: "sdp" | "in-band" }
  /** Why an SPS could not be read (the first failure), when none could. */
  readonly spsError?: string
  /** Whole access units holding a picture a decoder can start from (IDR in H.264, IRAP in H.265). */
  readonly keyframes: number
  readonly gop?: GopSummary
  /** PLAY sent to the end of the first whole keyframe: when a viewer first sees a picture. */
  readonly firstKeyframeMs?: number
  /** Access units with at least one problem, and every problem by its reason. */
  readonly brokenUnits: number
  readonly problems: Readonly<Partial<Record<NalProblemReason, number>>>
}

export interface NalReceiverOptions extends ReceiverCoreOptions {
  readonly codec: NalCodec
  /** The description's parameter sets (see spropParameterSets), counted and read before any packet. */
  readonly spropUnits?: ReadonlyArray<Uint8Array>
  readonly onAccessUnit?: OnAccessUnit | undefined
}

export interface NalReceiver extends ReceiverFigures {
  readonly countRtp: CountRtp
  readonly nalFigures: () => NalFigures
}

export const makeNalReceiver = (options: NalReceiverOptions): NalReceiver => {
  const kinds = KINDS[options.codec]
  const core = makeReceiverCore(options)
  const { layout, header } = core
  const depacketizer = kinds.depacketizer()
  const problems: Partial<Record<NalProblemReason, number>> = {}
  let sps: NalFigures["sps"]
  let spsError: string | undefined
  let parameterSetsInBand = 0
  let keyframes = 0
  let brokenUnits = 0
  let pictures = 0
  let lastKeyframePicture: number | undefined
  let gop: GopSummary | undefined
  let playSentMs: number | undefined
  let firstKeyframeMs: number | undefined
  let frames = 0
  const stream: NalStream = { codec: options.codec, parameterSets: options.spropUnits ?? [] }

  const readSps = (nal: Uint8Array, source: "sdp" | "in-band"): void => {
    if (sps !== undefined) return
    const read = kinds.readSps(nal)
    if (Either.isRight(read)) sps = { ...read.right, source }
    else spsError ??= read.left.message
  }
  for (const unit of options.spropUnits ?? []) if (kinds.isSps(unit)) readSps(unit, "sdp")

  const onKeyframe = (arrivalMs: number): void => {
    keyframes++
    if (firstKeyframeMs === undefined && playSentMs !== undefined) firstKeyframeMs = arrivalMs - playSentMs
    if (lastKeyframePicture !== undefined) {
      const length = pictures - lastKeyframePicture
      gop = gop === undefined
        ? { count: 1, minFrames: length, maxFrames: length, lastFrames: length }
        : { count: gop.count + 1, minFrames: Math.min(gop.minFrames, length), maxFrames: Math.max(gop.maxFrames, length), lastFrames: length }
    }
    lastKeyframePicture = pictures
  }

  /** One finished access unit: true when it is a whole picture (a frame). */
  const onUnit = (unit: AccessUnit, arrivalMs: number): boolean => {
    for (const nal of unit.nalUnits) {
      if (!kinds.isParameterSet(nal)) continue
      parameterSetsInBand++
      if (kinds.isSps(nal)) readSps(nal, "in-band")
    }
    if (unit.problems.length > 0) {
      brokenUnits++
      for (const problem of unit.problems) problems[problem.reason] = (problems[problem.reason] ?? 0) + 1
      core.tally({ _tag: "Dropped", reason: unit.problems[0]!.reason }, arrivalMs)
      pictures++
      return false
    }
    // Parameter sets or SEI alone make no picture, and no frame.
    if (!unit.nalUnits.some(kinds.isPicture)) return false
    if (unit.keyframe) onKeyframe(arrivalMs)
    pictures++
    core.tally({ _tag: "Frame", timestamp: unit.timestamp }, arrivalMs)
    options.onAccessUnit?.(unit, frames, arrivalMs, stream)
    frames++
    return true
  }

  const countRtp: CountRtp = (bytes, offset, length, arrivalMs) => {
    if (!core.takePacket(bytes, offset, length, arrivalMs)) return 0
    // The depacketizer copies what it keeps, so a view of a reused buffer is safe here.
    const units = depacketizer.push({
      sequenceNumber: header.sequenceNumber,
      timestamp: header.timestamp,
      marker: header.marker,
      payload: bytes.subarray(layout.payloadStart, layout.payloadEnd)
    })
    let completed = 0
    for (const unit of units) if (onUnit(unit, arrivalMs)) completed++
    return completed
  }

  const nalFigures = (): NalFigures => ({
    codec: options.codec,
    parameterSetsFromSdp: options.spropUnits?.length ?? 0,
    parameterSetsInBand,
    ...(sps === undefined ? {} : { sps }),
    ...(sps === undefined && spsError !== undefined ? { spsError } : {}),
    keyframes,
    ...(gop === undefined ? {} : { gop }),
    ...(firstKeyframeMs === undefined ? {} : { firstKeyframeMs }),
    brokenUnits,
    problems: { ...problems }
  })

  return {
    ...core.figures,
    onPlaySent: (ms) => {
      playSentMs = ms
      core.figures.onPlaySent(ms)
    },
    countRtp,
    nalFigures
  }
}
