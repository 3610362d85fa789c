/**
 * The `recovery` expectation: every time a client's frame rate over the last second fell below
 * the floor while playing, it was back at the floor within the time given (the figures:
 * harness/metrics/recovery.ts). A drop still going on when the client stopped playing passes
 * while it is shorter than that time (too soon to tell) and fails once it is longer: a stream
 * that never recovers. Judged per client; the check names the worst one. Pure.
 */
import type { FpsDrop, RecoveryFigures } from "../metrics/recovery.js"
import type { Recovery } from "../scenario/schema.js"
import type { ClientVerdictInput, ExpectationCheck } from "./expectations.js"

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const duration = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)

const dropText = (drop: FpsDrop, fpsMin: number): string =>
  drop.recovered
    ? `longest drop below ${fpsMin} fps: ${seconds(drop.ms)}, from ${seconds(drop.fromMs)} to ${seconds(drop.untilMs)}`
    : `below ${fpsMin} fps from ${seconds(drop.fromMs)} until playing stopped at ${seconds(drop.untilMs)} (${seconds(drop.ms)}), not back`

export const recoveryCheck = (recovery: Recovery, clients: ReadonlyArray<ClientVerdictInput>): ExpectationCheck => {
  const many = clients.length > 1
  const measured = clients.flatMap((c) => (c.recovery === undefined || c.recovery.judgedMs === 0 ? [] : [{ client: c.index, figures: c.recovery }]))
  const longestMs = (figures: RecoveryFigures): number => figures.longest?.ms ?? 0
  const worst = measured.reduce<(typeof measured)[number] | undefined>((w, c) => (w === undefined || longestMs(c.figures) > longestMs(w.figures) ? c : w), undefined)
  const expected = `back to >= ${recovery.fpsMin} fps (frames in 1 s) within ${duration(recovery.within)} of each drop${many ? " for every client" : ""}`
  if (worst === undefined) return { name: "recovery", ok: false, expected, actual: "not measured (no client played a full second)" }
  const longest = worst.figures.longest
  const who = many ? ` (worst: client ${worst.client})` : ""
  return {
    name: "recovery",
    ok: longest === undefined || longest.ms <= recovery.within,
    expected,
    actual: longest === undefined
      ? `never below ${recovery.fpsMin} fps (${seconds(worst.figures.judgedMs)} judged)${many ? " for every client" : ""}`
      : `${dropText(longest, recovery.fpsMin)}${who}`
  }
}
