/**
 * Every check after `connect`, judged from one SessionRecord: the record is cut into segments once,
 * and each check reads only what it is about. Only frames-decode runs an effect (sharp).
 */
import { Effect } from "effect"
import { elapsedSince } from "../context.js"
import type { Outcome, TimedOutcome } from "../types.js"
import type { ClassicCheckId } from "./catalog.js"
import { checkFramesDecode } from "./frameChecks.js"
import { checkReplyLayout, checkSessionId } from "./replyChecks.js"
import { segmentsOf } from "./segments.js"
import { exchangeOf, type SessionRecord, sentAtOf, type Step } from "./sessionRecord.js"
import { checkPauseStops, checkPlay, checkResume, checkSetup, checkTeardown } from "./stepChecks.js"
import { checkFrameSizes, checkPacing, checkRtpHeaders, checkSequence, checkSequenceResume, pacingFigures } from "./streamChecks.js"
import type { ClassicMeasurements } from "./types.js"

export interface Judged {
  readonly outcomes: ReadonlyMap<ClassicCheckId, TimedOutcome>
  readonly measurements: ClassicMeasurements
}

export const judgeSession = (record: SessionRecord, options: { readonly fps: number; readonly timeoutMs: number }): Effect.Effect<Judged> =>
  Effect.gen(function* () {
    const outcomes = new Map<ClassicCheckId, TimedOutcome>()
    /** A step's check takes as long as its request took to be answered; the judgements after the fact, 0. */
    const put = (id: ClassicCheckId, outcome: Outcome, step?: Step): void => {
      const reply = step === undefined ? undefined : exchangeOf(record, step)?.reply
      outcomes.set(id, { ...outcome, elapsedMs: reply === undefined ? 0 : Math.round((reply.answeredAtMs - reply.sentAtMs) * 10) / 10 })
    }
    const segments = segmentsOf(record)
    const pacing = pacingFigures(segments, options.fps)

    put("setup", checkSetup(record), "SETUP")
    put("reply-layout", checkReplyLayout(record.exchanges))
    put("session-id", checkSessionId(record.exchanges))
    put("play", checkPlay(record, segments, options.timeoutMs), "PLAY")
    put("rtp-header", checkRtpHeaders(segments))
    put("rtp-sequence", checkSequence(segments))
    put("pacing", checkPacing(pacing, options.fps))
    put("frame-size", checkFrameSizes(segments))
    const decodeStarted = performance.now()
    const decoded = yield* checkFramesDecode(segments)
    outcomes.set("frames-decode", { ...decoded, elapsedMs: elapsedSince(decodeStarted) })
    put("pause-stops", checkPauseStops(record, segments), "PAUSE")
    put("resume", checkResume(record, segments, options.timeoutMs), "PLAY after PAUSE")
    put("sequence-resume", checkSequenceResume(segments))
    put("teardown", checkTeardown(record, segments), "TEARDOWN")

    const playSent = sentAtOf(record, "PLAY") ?? 0
    const largest = record.datagrams.reduce((n, d) => Math.max(n, d.data.length), 0)
    const round = (n: number): number => Math.round(n * 10) / 10
    const measurements: ClassicMeasurements = {
      datagrams: record.datagrams.length,
      ...(record.datagrams.length === 0 ? {} : { largestDatagramBytes: largest }),
      ...(pacing.medianMs === undefined ? {} : { medianIntervalMs: round(pacing.medianMs) }),
      intervals: pacing.intervals.map((i) => ({ atMs: round(i.atMs - playSent), intervalMs: round(i.intervalMs), play: i.run + 1 }))
    }
    return { outcomes, measurements }
  })
