/**
 * What one graded session left behind: every request with its raw reply (or why there was none),
 * every RTP datagram with its arrival time, and the moments the judgements are timed against.
 * gradeSession.ts fills it; the judgements read it and nothing else, so they are pure.
 */
import type { LabMethod } from "./labClient.js"
import type { RawReply } from "./labConnection.js"
import type { Datagram } from "./rtpCapture.js"

/** The session's requests in order; the second PLAY is the resume after PAUSE. */
export const STEPS = ["SETUP", "PLAY", "PAUSE", "PLAY after PAUSE", "TEARDOWN"] as const
export type Step = (typeof STEPS)[number]

/** The method a step after SETUP sends. */
export const sessionMethodOf = (step: Exclude<Step, "SETUP">): Exclude<LabMethod, "SETUP"> => (step === "PLAY after PAUSE" ? "PLAY" : step)

export interface ExchangeRecord {
  readonly step: Step
  readonly cseq: number
  /** The request exactly as written, and when (performance.now() ms). */
  readonly request: string
  readonly sentAtMs: number
  readonly reply?: RawReply
  /** Why no reply came (timeout, connection closed). */
  readonly failure?: string
  /** Bytes that arrived after the reply and before the next request (or the end). */
  readonly strayBytesAfter: number
}

export interface SessionRecord {
  /** The bare file name the requests named. */
  readonly file: string
  readonly rtpPort: number
  readonly exchanges: ReadonlyArray<ExchangeRecord>
  readonly datagrams: ReadonlyArray<Datagram>
  /** Datagrams the capture could not keep (it holds a few thousand). */
  readonly overflow: number
  /** When the watch ended (performance.now() ms). */
  readonly endedAtMs: number
  readonly closedByServerAtMs?: number
}

export const exchangeOf = (record: SessionRecord, step: Step): ExchangeRecord | undefined => record.exchanges.find((e) => e.step === step)

/** The step's reply, if it got one. */
export const replyOf = (record: SessionRecord, step: Step): RawReply | undefined => exchangeOf(record, step)?.reply

/** When the step's request was written, if it was. */
export const sentAtOf = (record: SessionRecord, step: Step): number | undefined => exchangeOf(record, step)?.sentAtMs
