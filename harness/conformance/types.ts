/**
 * The conformance suite's public shapes: what the CLI prints (a table or one JSON object) and the
 * options it passes through.
 */
import type { TransportKind } from "../../src/protocol/rtsp/vocabulary.js"

export type CheckStatus = "PASS" | "FAIL" | "SKIP"

export interface CheckResult {
  readonly id: string
  readonly name: string
  readonly status: CheckStatus
  readonly expected: string
  readonly actual: string
  readonly detail?: string
  readonly elapsedMs: number
}

export interface ConformanceReport {
  readonly url: string
  readonly checks: ReadonlyArray<CheckResult>
  readonly passed: number
  readonly failed: number
  readonly skipped: number
  /** No check failed (a SKIP is not a failure: it always says why it did not run). */
  readonly ok: boolean
}

export interface ConformanceOptions {
  readonly transport?: TransportKind
  /** Bound on every single wait for the server (connect, each response); default 5000 ms. */
  readonly timeoutMs?: number
  /** How long to watch the stream, default 2 s. */
  readonly playSeconds?: number
  /** Play to the end of the media to see the end-of-stream BYE; default false. */
  readonly waitForEnd?: boolean
  readonly username?: string
  readonly password?: string
  /** rtsps:// URLs: do not verify the server's certificate. */
  readonly insecure?: boolean
  /** For the stale-nonce check: how long the server's nonces live (the check waits longer than that). */
  readonly staleAfterSeconds?: number
}

/** What one check found; the runner adds id, name and time. */
export interface Outcome {
  readonly status: CheckStatus
  readonly expected: string
  readonly actual: string
  readonly detail?: string
}

export const pass = (expected: string, actual: string, detail?: string): Outcome =>
  detail === undefined ? { status: "PASS", expected, actual } : { status: "PASS", expected, actual, detail }

export const fail = (expected: string, actual: string, detail?: string): Outcome =>
  detail === undefined ? { status: "FAIL", expected, actual } : { status: "FAIL", expected, actual, detail }

export const skip = (expected: string, reason: string): Outcome => ({ status: "SKIP", expected, actual: reason })

/** An outcome with the time its check took. */
export interface TimedOutcome extends Outcome {
  readonly elapsedMs: number
}
