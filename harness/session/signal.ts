/**
 * A one-shot signal from a socket callback (the first RTP packet, an RTCP BYE) that fibers
 * await for at most some milliseconds. The wait is one Effect.async on a node timer, not
 * Deferred.await with Effect.timeout: that race forks two fibers per wait, and a load run of
 * 1,000 clients waits thousands of times. The harness measures real time, so a real timer.
 */
import { Effect } from "effect"

export interface Signal {
  /** Fires it (from a callback; later calls do nothing): every waiter gets true. */
  readonly fire: () => void
  readonly fired: () => boolean
  /** True once it has fired, false when `ms` passed first. */
  readonly awaitFor: (ms: number) => Effect.Effect<boolean>
}

export const makeSignal = (): Signal => {
  let fired = false
  const waiters = new Set<(outcome: boolean) => void>()
  return {
    fire: () => {
      if (fired) return
      fired = true
      for (const waiter of [...waiters]) waiter(true)
    },
    fired: () => fired,
    awaitFor: (ms) =>
      Effect.async<boolean>((resume) => {
        if (fired) return resume(Effect.succeed(true))
        const waiter = (outcome: boolean): void => {
          clearTimeout(timer)
          waiters.delete(waiter)
          resume(Effect.succeed(outcome))
        }
        const timer = setTimeout(() => waiter(false), Math.max(0, ms))
        waiters.add(waiter)
        return Effect.sync(() => {
          clearTimeout(timer)
          waiters.delete(waiter)
        })
      })
  }
}
