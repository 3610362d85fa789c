/**
 * The session's datagrams cut at its requests, so each judgement reads the part it is about: before
 * PLAY (there should be none), the first PLAY (until the PAUSE reply and its grace), the pause (there
 * should be none), the resumed PLAY (until the TEARDOWN reply and its grace), after TEARDOWN (none).
 * A frame in flight at PAUSE or TEARDOWN counts with the play it belongs to.
 */
import { RTP_FIXED_HEADER_SIZE, rtpSequenceNumberAt } from "../../../src/protocol/rtp.js"
import { STOP_GRACE_MS } from "./catalog.js"
import type { Datagram } from "./rtpCapture.js"
import { replyOf, sentAtOf, type SessionRecord } from "./sessionRecord.js"

export interface Segments {
  readonly beforePlay: ReadonlyArray<Datagram>
  readonly firstPlay: ReadonlyArray<Datagram>
  readonly paused: ReadonlyArray<Datagram>
  readonly resumed: ReadonlyArray<Datagram>
  readonly afterTeardown: ReadonlyArray<Datagram>
}

export const segmentsOf = (record: SessionRecord): Segments => {
  const inf = Number.POSITIVE_INFINITY
  const playSent = sentAtOf(record, "PLAY") ?? inf
  const pauseEnd = (replyOf(record, "PAUSE")?.answeredAtMs ?? inf) + STOP_GRACE_MS
  const resumeSent = sentAtOf(record, "PLAY after PAUSE") ?? inf
  const teardownEnd = (replyOf(record, "TEARDOWN")?.answeredAtMs ?? inf) + STOP_GRACE_MS
  const between = (from: number, to: number) => record.datagrams.filter((d) => d.arrivalMs >= from && d.arrivalMs < to)
  return {
    beforePlay: between(-inf, playSent),
    firstPlay: between(playSent, Math.min(pauseEnd, resumeSent)),
    paused: between(pauseEnd, resumeSent),
    resumed: between(resumeSent, teardownEnd),
    afterTeardown: between(Math.max(resumeSent, teardownEnd), inf)
  }
}

/** The sequence number the lab client reads (bytes 2–3), whatever else is wrong with the header. */
export const seqOf = (d: Datagram): number | undefined => (d.data.length >= 4 ? rtpSequenceNumberAt(d.data, 0) : undefined)

/** The payload as the lab client takes it: everything after the first 12 bytes. */
export const labPayloadOf = (d: Datagram): Buffer => d.data.subarray(RTP_FIXED_HEADER_SIZE)

export interface Interval {
  /** When the interval ended (the later frame's arrival). */
  readonly atMs: number
  readonly intervalMs: number
  /** Which run it is from (0: the first PLAY, 1: the resumed one). */
  readonly run: number
}

/** Inter-arrival intervals within each run of datagrams (never across a pause). */
export const intervalsOf = (runs: ReadonlyArray<ReadonlyArray<Datagram>>): ReadonlyArray<Interval> =>
  runs.flatMap((datagrams, run) => datagrams.slice(1).map((d, i) => ({ atMs: d.arrivalMs, intervalMs: d.arrivalMs - datagrams[i]!.arrivalMs, run })))
