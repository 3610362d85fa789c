/**
 * The web player's live frame figures, pure: arrival times in (ms, any monotonic clock), the
 * recent frame rate and the last inter-frame intervals out. Unlike the run-wide fps of
 * frameStats, these describe "now": a pause shows 0 fps, and the gap a pause leaves is not an
 * interval (the chain is broken on PLAY).
 */

export interface LiveWindow {
  readonly onFrame: (arrivalMs: number) => void
  /** The next frame starts a new chain: no interval from the frame before it. */
  readonly breakChain: () => void
  /** Frames per second over the arrivals of the last `windowMs`; 0 when fewer than two. */
  readonly fps: (nowMs: number) => number
  /** The last intervals, oldest first. */
  readonly intervalsMs: () => ReadonlyArray<number>
}

export interface LiveWindowOptions {
  /** The fps window (default 1000 ms). */
  readonly windowMs?: number
  /** How many intervals are kept for the chart (default 120). */
  readonly intervals?: number
}

/** Arrivals kept for the fps window: enough for 500 fps over a second. */
const MAX_ARRIVALS = 512

export const makeLiveWindow = (options: LiveWindowOptions = {}): LiveWindow => {
  const windowMs = options.windowMs ?? 1000
  const keepIntervals = options.intervals ?? 120
  const arrivals: Array<number> = []
  const intervals: Array<number> = []
  let previous: number | undefined

  const onFrame = (arrivalMs: number): void => {
    if (previous !== undefined) {
      intervals.push(arrivalMs - previous)
      if (intervals.length > keepIntervals) intervals.splice(0, intervals.length - keepIntervals)
    }
    previous = arrivalMs
    arrivals.push(arrivalMs)
    if (arrivals.length > MAX_ARRIVALS) arrivals.splice(0, arrivals.length - MAX_ARRIVALS)
  }

  const fps = (nowMs: number): number => {
    const from = nowMs - windowMs
    let first: number | undefined
    let last: number | undefined
    let count = 0
    for (const t of arrivals) {
      if (t <= from || t > nowMs) continue
      first ??= t
      last = t
      count += 1
    }
    return count >= 2 && first !== undefined && last !== undefined && last > first ? ((count - 1) * 1000) / (last - first) : 0
  }

  return {
    onFrame,
    breakChain: () => {
      previous = undefined
    },
    fps,
    intervalsMs: () => [...intervals]
  }
}
