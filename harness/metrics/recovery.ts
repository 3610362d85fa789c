/**
 * Did the client recover: the frame rate over a sliding window, and how long it stayed below a
 * floor each time it fell under it. Pure: frame arrivals and the spans the session was playing
 * in, both in ms on one clock.
 *
 * Definitions
 * - fps(τ): whole frames that arrived in (τ - windowMs, τ], per window (windowMs 1000: frames in
 *   the last second). It changes only when a frame arrives and windowMs after.
 * - Judged: within each playing span [from, until], from its first frame's arrival + windowMs
 *   (the start-up and the first window filling are not a drop), or from + windowMs when no frame
 *   came at all, to `until`.
 * - A drop: a stretch where fps < fpsMin; it ends at the first moment fps >= fpsMin again. A drop
 *   still going on at the end of its span ends there, unrecovered.
 */

export interface PlayingSpan {
  readonly fromMs: number
  readonly untilMs: number
}

export interface FpsDrop {
  readonly fromMs: number
  readonly untilMs: number
  /** untilMs - fromMs. */
  readonly ms: number
  /** False: fps was still below the floor when the span ended. */
  readonly recovered: boolean
}

export interface RecoveryFigures {
  readonly fpsMin: number
  readonly windowMs: number
  /** Time judged, over every span (0: no span lasted a full window). */
  readonly judgedMs: number
  readonly drops: number
  /** The longest drop, if there was one. */
  readonly longest?: FpsDrop
  /** When the last judged span ended. */
  readonly endMs?: number
}

export const RECOVERY_WINDOW_MS = 1000

/** How many of the ascending `times` are <= t, from index `from` on (returns the new index). */
const advance = (times: ReadonlyArray<number>, from: number, t: number): number => {
  let i = from
  while (i < times.length && times[i]! <= t) i++
  return i
}

/** The drops of one span; arrivals ascending, all within the span. */
const dropsInSpan = (arrivals: ReadonlyArray<number>, span: PlayingSpan, fpsMin: number, windowMs: number): { readonly judgedMs: number; readonly drops: ReadonlyArray<FpsDrop> } => {
  const start = (arrivals[0] ?? span.fromMs) + windowMs
  if (start >= span.untilMs) return { judgedMs: 0, drops: [] }
  const leaves = arrivals.map((t) => t + windowMs)
  // Every moment fps may change, from the start on, in order.
  const moments = [...new Set([start, ...arrivals, ...leaves].filter((t) => t >= start && t <= span.untilMs))].sort((a, b) => a - b)
  const drops: Array<FpsDrop> = []
  let arrived = 0
  let left = 0
  let dropFrom: number | undefined
  for (const t of moments) {
    arrived = advance(arrivals, arrived, t)
    left = advance(leaves, left, t)
    const fps = ((arrived - left) * 1000) / windowMs
    if (fps < fpsMin && dropFrom === undefined) dropFrom = t
    else if (fps >= fpsMin && dropFrom !== undefined) {
      drops.push({ fromMs: dropFrom, untilMs: t, ms: t - dropFrom, recovered: true })
      dropFrom = undefined
    }
  }
  if (dropFrom !== undefined) drops.push({ fromMs: dropFrom, untilMs: span.untilMs, ms: span.untilMs - dropFrom, recovered: false })
  return { judgedMs: span.untilMs - start, drops }
}

export const recoveryFigures = (
  arrivalsMs: ReadonlyArray<number>,
  spans: ReadonlyArray<PlayingSpan>,
  fpsMin: number,
  windowMs = RECOVERY_WINDOW_MS
): RecoveryFigures => {
  const sorted = [...arrivalsMs].sort((a, b) => a - b)
  let judgedMs = 0
  let drops = 0
  let longest: FpsDrop | undefined
  let endMs: number | undefined
  for (const span of spans) {
    const inSpan = sorted.filter((t) => t >= span.fromMs && t <= span.untilMs)
    const judged = dropsInSpan(inSpan, span, fpsMin, windowMs)
    if (judged.judgedMs === 0) continue
    judgedMs += judged.judgedMs
    drops += judged.drops.length
    endMs = span.untilMs
    for (const drop of judged.drops) if (longest === undefined || drop.ms > longest.ms) longest = drop
  }
  return { fpsMin, windowMs, judgedMs, drops, ...(longest === undefined ? {} : { longest }), ...(endMs === undefined ? {} : { endMs }) }
}
