/**
 * The RTP flow judged as the lab client takes it: header bytes 0–11 stripped whatever they say,
 * the sequence number as the frame number (frames not newer than the last shown are dropped), one
 * recv(20480) per datagram. Pure: datagrams with arrival times in, Outcomes out.
 */
import { Either } from "effect"
import { checkClassicFrameSize } from "../../../src/protocol/jpeg/classic.js"
import { decodeRtpPacket, RTP_FIXED_HEADER_SIZE } from "../../../src/protocol/rtp.js"
import { JPEG_PAYLOAD_TYPE } from "../../../src/protocol/rtpJpeg.js"
import { percentile } from "../../metrics/percentile.js"
import { fail, type Outcome, pass } from "../types.js"
import { CLIENT_RTP_READ_BYTES, MIN_PACING_INTERVALS, PACING_TOLERANCE } from "./catalog.js"
import { firstOf } from "./replyChecks.js"
import type { Datagram } from "./rtpCapture.js"
import { type Interval, intervalsOf, type Segments, seqOf } from "./segments.js"

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`
const NO_FLOW = "no RTP datagram arrived"

const flowOf = (segments: Segments): ReadonlyArray<Datagram> => [...segments.firstPlay, ...segments.paused, ...segments.resumed]

/** The header's faults for the lab client, which assumes exactly 12 bytes of it. */
const headerProblem = (d: Datagram): string | undefined => {
  const decoded = decodeRtpPacket(d.data)
  if (Either.isLeft(decoded)) return decoded.left.message
  const { header, paddingLength } = decoded.right
  if (header.csrcs.length > 0) return `CC=${header.csrcs.length}: the client takes the payload from byte 12 on`
  if (header.extension !== undefined) return "X=1: the client takes the payload from byte 12 on"
  if (paddingLength > 0) return "P=1: the client takes the padding as JPEG bytes"
  if (header.payloadType !== JPEG_PAYLOAD_TYPE) return `PT=${header.payloadType}`
  return undefined
}

export const checkRtpHeaders = (segments: Segments): Outcome => {
  const expected = `a ${RTP_FIXED_HEADER_SIZE}-byte header: V=2, P=0, X=0, CC=0, PT=${JPEG_PAYLOAD_TYPE}`
  const flow = flowOf(segments)
  if (flow.length === 0) return fail(expected, NO_FLOW)
  const problems = flow.flatMap((d) => {
    const problem = headerProblem(d)
    return problem === undefined ? [] : [`seq ${seqOf(d) ?? "?"}: ${problem}`]
  })
  if (problems.length > 0) return fail(expected, `${problems.length} of ${flow.length} datagrams: ${firstOf(problems)}`)
  return pass(expected, `${plural(flow.length, "datagram")}, each V=2, PT=${JPEG_PAYLOAD_TYPE}, 12-byte header`)
}

/** Where a run of sequence numbers does not go up by one. */
const breaks = (run: ReadonlyArray<Datagram>): ReadonlyArray<string> =>
  run.slice(1).flatMap((d, i) => {
    const before = seqOf(run[i]!)
    const after = seqOf(d)
    return before !== undefined && after !== undefined && after === before + 1 ? [] : [`${before ?? "?"} → ${after ?? "?"}`]
  })

const rangeOf = (run: ReadonlyArray<Datagram>): string => `${seqOf(run[0]!) ?? "?"}..${seqOf(run[run.length - 1]!) ?? "?"}`

export const checkSequence = (segments: Segments): Outcome => {
  const expected = "the first frame numbered 1, then +1 per frame (the lab's frame number)"
  const { firstPlay, resumed } = segments
  if (firstPlay.length === 0) return fail(expected, NO_FLOW)
  const problems: Array<string> = []
  const first = seqOf(firstPlay[0]!)
  if (first !== 1) problems.push(`the first frame is numbered ${first ?? "?"}`)
  const gaps = [...breaks(firstPlay), ...breaks(resumed)]
  if (gaps.length > 0) problems.push(`not +1 at ${firstOf(gaps)}`)
  const ranges = `${rangeOf(firstPlay)} on the first PLAY${resumed.length > 0 ? `, ${rangeOf(resumed)} after the resume` : ""}`
  if (problems.length > 0) return fail(expected, `${problems.join("; ")} (${ranges})`)
  return pass(expected, ranges)
}

export const checkSequenceResume = (segments: Segments): Outcome => {
  const expected = "the first frame after PAUSE/PLAY numbered one more than the last before it"
  const before = [...segments.firstPlay, ...segments.paused]
  const last = before[before.length - 1]
  const next = segments.resumed[0]
  if (last === undefined) return fail(expected, "cannot tell: no RTP before PAUSE")
  if (next === undefined) return fail(expected, "cannot tell: no RTP after the second PLAY")
  const lastSeq = seqOf(last)
  const nextSeq = seqOf(next)
  if (lastSeq === undefined || nextSeq === undefined) return fail(expected, "datagrams too short to carry a sequence number")
  if (nextSeq === lastSeq + 1) return pass(expected, `${lastSeq} before PAUSE, ${nextSeq} after PLAY`)
  const why = nextSeq <= lastSeq
    ? `: the lab client drops every frame not numbered above ${lastSeq}, so the picture freezes`
    : `: ${nextSeq - lastSeq - 1} frames skipped`
  return fail(expected, `${lastSeq} before PAUSE, then ${nextSeq}${nextSeq === 1 ? " (restarted)" : ""}${why}`)
}

export interface PacingFigures {
  readonly expectedMs: number
  readonly lowMs: number
  readonly highMs: number
  readonly medianMs?: number
  readonly intervals: ReadonlyArray<Interval>
}

export const pacingFigures = (segments: Segments, fps: number): PacingFigures => {
  const expectedMs = 1000 / fps
  const intervals = intervalsOf([segments.firstPlay, segments.resumed])
  const median = percentile(intervals.map((i) => i.intervalMs), 50)
  return {
    expectedMs,
    lowMs: expectedMs * (1 - PACING_TOLERANCE),
    highMs: expectedMs * (1 + PACING_TOLERANCE),
    ...(median === undefined ? {} : { medianMs: median }),
    intervals
  }
}

const one = (n: number): string => (Math.round(n * 10) / 10).toString()

export const checkPacing = (figures: PacingFigures, fps: number): Outcome => {
  const expected = `median interval ${one(figures.expectedMs)} ms (${one(fps)} fps) ±${PACING_TOLERANCE * 100}%: ${one(figures.lowMs)}–${one(figures.highMs)} ms`
  const values = figures.intervals.map((i) => i.intervalMs)
  if (values.length < MIN_PACING_INTERVALS) return fail(expected, `only ${plural(values.length, "interval")} to measure (at least ${MIN_PACING_INTERVALS} needed)`)
  const median = figures.medianMs ?? 0
  const spread = `p10 ${one(percentile(values, 10) ?? 0)}, p90 ${one(percentile(values, 90) ?? 0)} ms`
  const actual = `median ${one(median)} ms (${median > 0 ? one(1000 / median) : "∞"} fps) over ${values.length} intervals; ${spread}`
  if (median >= figures.lowMs && median <= figures.highMs) return pass(expected, actual)
  return fail(expected, median < 1 ? `${actual}: frames sent in a burst, not paced` : actual)
}

export const checkFrameSizes = (segments: Segments): Outcome => {
  const expected = `every datagram at most ${CLIENT_RTP_READ_BYTES} bytes (the client's recv(${CLIENT_RTP_READ_BYTES})): a JPEG of at most ${CLIENT_RTP_READ_BYTES - RTP_FIXED_HEADER_SIZE} bytes`
  const flow = flowOf(segments)
  if (flow.length === 0) return fail(expected, NO_FLOW)
  const largest = flow.reduce((big, d) => (d.data.length > big.data.length ? d : big))
  const tooBig = flow.filter((d) => checkClassicFrameSize(d.data.length - RTP_FIXED_HEADER_SIZE) !== "Fits")
  const biggest = `the largest ${largest.data.length} bytes (seq ${seqOf(largest) ?? "?"})`
  if (tooBig.length > 0) {
    const which = firstOf(tooBig.map((d) => `seq ${seqOf(d) ?? "?"} (${d.data.length} bytes)`))
    return fail(expected, `${tooBig.length} of ${flow.length} datagrams too big: ${which}; the client's recv(${CLIENT_RTP_READ_BYTES}) cuts them and those frames never show`)
  }
  return pass(expected, `${plural(flow.length, "datagram")}, ${biggest}`)
}
