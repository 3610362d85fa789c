/**
 * How long one client of a scenario can take at most, so a threaded run never waits for a
 * thread forever: its ramp-up slot, its waits, and every request at its worst (the reply
 * timeout twice, for the retry after a 401), plus slack for a loaded event loop. Pure.
 */
import { DEFAULT_TIMEOUT_MS } from "../client/RtspClient.js"
import type { Scenario } from "../scenario/schema.js"
import { DEFAULT_FALLBACK_MS } from "../session/udpFallback.js"
import type { SessionSettings } from "./runScenario.js"

/** Requests a run can make beyond one per step: SETUP's own DESCRIBE, the UDP → TCP fallback's TEARDOWN, SETUP and PLAY, the final TEARDOWN. */
const EXTRA_REQUESTS = 5
const SLACK_MS = 30_000

export const clientBoundMs = (scenario: Scenario, settings: SessionSettings): number => {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const waitsMs = scenario.steps.reduce((sum, step) => sum + (step.step === "wait" ? step.duration : 0), 0)
  const requestsMs = (scenario.steps.length + EXTRA_REQUESTS) * 2 * timeoutMs
  const connectMs = timeoutMs
  const budget = scenario.rampUp + waitsMs + requestsMs + connectMs + (settings.udpFallbackMs ?? DEFAULT_FALLBACK_MS)
  // Half again for threads so loaded that timers fire late, and a fixed margin for short runs.
  return Math.ceil(budget * 1.5) + SLACK_MS
}
