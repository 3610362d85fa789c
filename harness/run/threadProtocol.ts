/**
 * The messages between `load --threads N`'s main thread and its worker threads
 * (threadWorker.ts). Both halves are this program, built together, so the data is typed here
 * and not re-validated; everything in it is plain data (structured clone).
 *
 *   worker → main  Ready                    loaded, waiting for the start
 *   main → worker  Start { epochUnixMs }    time zero, shared by every thread
 *   main → worker  Tick { seq }             "your live counters, now"
 *   worker → main  Counters { seq, sums }   the answer (LiveSums: raw counters, summed by main)
 *   worker → main  Done { clients }         every client of the thread has finished
 */
import type { Scenario } from "../scenario/schema.js"
import type { LiveSums } from "./liveStatus.js"
import type { ClientRun, SessionSettings } from "./runScenario.js"

/** What a worker is started with (its workerData). */
export interface ThreadInput {
  /** 0-based; names the thread in failure reasons. */
  readonly thread: number
  readonly scenario: Scenario
  readonly clientIndices: ReadonlyArray<number>
  readonly settings: SessionSettings
}

export type ToThread =
  | { readonly _tag: "Start"; readonly epochUnixMs: number }
  | { readonly _tag: "Tick"; readonly seq: number }

export type FromThread =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "Counters"; readonly seq: number; readonly sums: LiveSums }
  | { readonly _tag: "Done"; readonly clients: ReadonlyArray<ClientRun> }

/**
 * One instant on a clock every thread shares: performance.now() counts from each thread's own
 * timeOrigin, so a time crosses threads as timeOrigin + now (unix ms, sub-ms resolution).
 */
export const toUnixMs = (performanceMs: number): number => performance.timeOrigin + performanceMs
export const fromUnixMs = (unixMs: number): number => unixMs - performance.timeOrigin
