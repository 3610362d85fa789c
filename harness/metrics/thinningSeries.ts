/**
 * A time series that stays bounded however long the run: samples at most every `everyMs`;
 * once more than `max` are held, every other one goes and the spacing doubles, so what is kept
 * stays evenly spread over the whole run. Pure: the caller supplies the times.
 */
export interface TimedSample {
  readonly tMs: number
  readonly value: number
}

export interface ThinningSeries {
  /** Records `value()` at `tMs` if the spacing allows (the value is only computed then). */
  readonly offer: (tMs: number, value: () => number) => void
  readonly samples: () => ReadonlyArray<TimedSample>
}

export const makeThinningSeries = (options: { readonly everyMs: number; readonly max: number }): ThinningSeries => {
  const held: Array<TimedSample> = []
  let everyMs = options.everyMs
  let last = Number.NEGATIVE_INFINITY
  const max = Math.max(2, options.max)
  return {
    offer: (tMs, value) => {
      if (tMs - last < everyMs) return
      last = tMs
      held.push({ tMs, value: value() })
      if (held.length <= max) return
      let kept = 0
      for (let i = 0; i < held.length; i += 2) held[kept++] = held[i]!
      held.length = kept
      everyMs *= 2
    },
    samples: () => held
  }
}
