/**
 * A scenario's expectations judged against its clients' results. Pure. Rates, loss, jitter,
 * start-up, frame counts and recovery (recoveryCheck.ts) hold for each client on its own, so
 * each check reports the worst client; statuses hold for every reply to the method (but the
 * scripted requests of expect-status steps, which say their own status). Every client must also
 * have finished its steps, and every expect-status step must have got its status.
 */
import type { RecoveryFigures } from "../metrics/recovery.js"
import type { Expectations } from "../scenario/schema.js"
import type { RequestRecord } from "../session/types.js"
import { recoveryCheck } from "./recoveryCheck.js"
import type { SessionMetrics } from "./sessionMetrics.js"

export interface ExpectationCheck {
  readonly name: string
  readonly ok: boolean
  readonly expected: string
  readonly actual: string
}

export interface ClientVerdictInput {
  readonly index: number
  readonly ok: boolean
  readonly failureReason?: string
  readonly metrics?: SessionMetrics
  readonly requests: ReadonlyArray<RequestRecord>
  /** expect-status steps: what was asked, what came. */
  readonly statusSteps: ReadonlyArray<{ readonly step: number; readonly method: string; readonly expected: number; readonly actual: number }>
  /** Drops of the frame rate while playing, measured when the scenario expects a recovery. */
  readonly recovery?: RecoveryFigures
}

const round = (n: number, digits = 2): string => (Number.isFinite(n) ? String(Number(n.toFixed(digits))) : String(n))

/** The client with the smallest (or largest) value of a metric, among those that report it. */
const worst = (
  clients: ReadonlyArray<ClientVerdictInput>,
  value: (m: SessionMetrics) => number | undefined,
  direction: "min" | "max"
): { readonly value: number; readonly client: number } | undefined => {
  let best: { value: number; client: number } | undefined
  for (const c of clients) {
    const v = c.metrics === undefined ? undefined : value(c.metrics)
    if (v === undefined || Number.isNaN(v)) continue
    if (best === undefined || (direction === "min" ? v < best.value : v > best.value)) best = { value: v, client: c.index }
  }
  return best
}

const bound = (
  name: string,
  clients: ReadonlyArray<ClientVerdictInput>,
  value: (m: SessionMetrics) => number | undefined,
  direction: "min" | "max",
  limit: number,
  unit: string
): ExpectationCheck => {
  const w = worst(clients, value, direction)
  const many = clients.length > 1
  return {
    name,
    ok: w !== undefined && (direction === "min" ? w.value >= limit : w.value <= limit),
    expected: `${direction === "min" ? ">=" : "<="} ${limit}${unit}${many ? " for every client" : ""}`,
    actual: w === undefined ? "not measured (no client reported it)" : `${round(w.value)}${unit}${many ? ` (worst: client ${w.client})` : ""}`
  }
}

export const evaluateExpectations = (
  expect: Expectations | undefined,
  clients: ReadonlyArray<ClientVerdictInput>
): ReadonlyArray<ExpectationCheck> => {
  const checks: Array<ExpectationCheck> = []
  const failed = clients.filter((c) => !c.ok)
  const reasons = [...new Set(failed.map((c) => c.failureReason ?? "unknown"))]
  checks.push({
    name: "clients completed their steps",
    ok: failed.length === 0,
    expected: `${clients.length} of ${clients.length}`,
    actual: failed.length === 0 ? `${clients.length} of ${clients.length}` : `${clients.length - failed.length} of ${clients.length}; failed: ${reasons.slice(0, 3).join("; ")}${reasons.length > 3 ? " …" : ""}`
  })
  for (const c of clients) {
    for (const s of c.statusSteps) {
      if (s.actual === s.expected) continue
      checks.push({ name: `steps[${s.step}] ${s.method} status (client ${c.index})`, ok: false, expected: String(s.expected), actual: s.actual === 0 ? "no reply" : String(s.actual) })
    }
  }
  const statusSteps = clients.reduce((n, c) => n + c.statusSteps.length, 0)
  if (statusSteps > 0 && !checks.some((c) => c.name.startsWith("steps["))) {
    checks.push({ name: "expect-status steps", ok: true, expected: "each status as scripted", actual: `${statusSteps} of ${statusSteps} as scripted` })
  }
  if (expect === undefined) return checks
  if (expect.fpsMin !== undefined) checks.push(bound("fps", clients, (m) => (m.framesReceived >= 2 ? m.fps : undefined), "min", expect.fpsMin, " fps"))
  if (expect.lossMaxPct !== undefined) checks.push(bound("loss", clients, (m) => m.lossPct, "max", expect.lossMaxPct, " %"))
  if (expect.jitterMaxMs !== undefined) checks.push(bound("jitter", clients, (m) => (m.packetsReceived > 0 ? m.jitterMs : undefined), "max", expect.jitterMaxMs, " ms"))
  if (expect.startupMaxMs !== undefined) checks.push(bound("start-up", clients, (m) => m.startupMs, "max", expect.startupMaxMs, " ms"))
  if (expect.frames?.min !== undefined) checks.push(bound("frames (min)", clients, (m) => m.framesReceived, "min", expect.frames.min, ""))
  if (expect.frames?.max !== undefined) checks.push(bound("frames (max)", clients, (m) => m.framesReceived, "max", expect.frames.max, ""))
  if (expect.recovery !== undefined) checks.push(recoveryCheck(expect.recovery, clients))
  for (const [method, status] of Object.entries(expect.statuses ?? {})) {
    const seen = new Map<number, number>()
    for (const c of clients) {
      // Scripted raw requests (expect-status) carry their own expected status.
      for (const r of c.requests) if (r.raw !== true && r.method.toUpperCase() === method.toUpperCase()) seen.set(r.status, (seen.get(r.status) ?? 0) + 1)
    }
    const total = [...seen.values()].reduce((a, b) => a + b, 0)
    const others = [...seen.entries()].filter(([s]) => s !== status)
    checks.push({
      name: `${method} status`,
      ok: total > 0 && others.length === 0,
      expected: `${status} on every reply`,
      actual: total === 0
        ? `no ${method} was sent`
        : others.length === 0
        ? `${status} on ${total} of ${total}`
        : [...seen.entries()].map(([s, n]) => `${s === 0 ? "no reply" : s} x${n}`).join(", ")
    })
  }
  return checks
}
