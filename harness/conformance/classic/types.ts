/**
 * The grader's public shapes: one report per server (what --json prints, and what the table and the
 * HTML page show), a batch of them, and the options the CLI passes through.
 */
import type { ConformanceReport } from "../types.js"

/** One point per check (see score.ts). */
export interface ClassicScore {
  readonly passed: number
  readonly total: number
  /** passed / total, rounded to a whole percent. */
  readonly percent: number
}

/** What was measured, for the report's chart and for JSON consumers; absent when no session ran. */
export interface ClassicMeasurements {
  readonly datagrams: number
  readonly largestDatagramBytes?: number
  readonly medianIntervalMs?: number
  /**
   * Each interval between consecutive frames of a PLAY, placed at its end, in ms since the first
   * PLAY was sent; `play` 1 is the first PLAY, 2 the one after PAUSE.
   */
  readonly intervals: ReadonlyArray<{ readonly atMs: number; readonly intervalMs: number; readonly play: number }>
}

export interface ClassicReport extends ConformanceReport {
  readonly dialect: "classic"
  readonly score: ClassicScore
  /** The frame rate the pacing was judged against. */
  readonly fps: number
  readonly measurements?: ClassicMeasurements
  /** Set when the server could not be reached (or the URL is not one): why. Every check then failed with it. */
  readonly unreachable?: string
}

export interface ClassicBatchReport {
  readonly dialect: "classic"
  /** Every server got full score. */
  readonly ok: boolean
  readonly fullScore: number
  readonly servers: ReadonlyArray<ClassicReport>
}

export interface ClassicGradeOptions {
  /** Bound on every wait for the server (connect, each reply, the first datagram); default 5000 ms. */
  readonly timeoutMs?: number
  /** How long to watch the first PLAY, default 2 s (the resumed one half that, at least 0.5 s). */
  readonly playSeconds?: number
  /** The rate the frames should come at; default the lab's 20 fps. */
  readonly fps?: number
}
