/**
 * One fiber for the whole server sends the packets impairments delay, whatever the number of
 * impaired sessions: it sleeps until the earliest packet of every session is due, then releases
 * what is due in each, all in one turn of the event loop, so their datagrams leave together (one
 * kernel call where the UDP send path batches) and 500 sessions cost one wake-up a millisecond,
 * not one a packet. A session's sink joins when something waits in it and leaves when it is empty.
 */
import { type Clock, Effect } from "effect"

/** A sink with packets (or a BYE) waiting: when the next is due, and how to send what is due. */
export interface Releasable {
  /** Clock millis of the next thing due; +Infinity when nothing waits. */
  readonly nextDueMs: () => number
  readonly releaseDue: (nowMs: number) => void
}

export interface ImpairmentReleaser {
  /** Something waits in `sink`: it is released when due. */
  readonly activate: (sink: Releasable) => void
  /** The session ended: what still waits in `sink` is never sent. */
  readonly forget: (sink: Releasable) => void
  /** Sinks with something waiting. */
  readonly active: () => number
  /** Runs until interrupted: fork it with the server. */
  readonly loop: Effect.Effect<never>
}

export const makeImpairmentReleaser = (clock: Clock.Clock): ImpairmentReleaser => {
  const active = new Set<Releasable>()
  const wake = Effect.unsafeMakeLatch(false)
  // When the loop means to wake next: a sink due sooner than that wakes it early.
  let plannedWakeAt = Number.POSITIVE_INFINITY

  const releaseAll = (): void => {
    const now = clock.unsafeCurrentTimeMillis()
    for (const sink of active) {
      sink.releaseDue(now)
      if (sink.nextDueMs() === Number.POSITIVE_INFINITY) active.delete(sink)
    }
  }

  const loop: Effect.Effect<never> = Effect.forever(
    Effect.gen(function* () {
      wake.unsafeClose()
      if (active.size === 0) {
        plannedWakeAt = Number.POSITIVE_INFINITY
        yield* wake.await
        return
      }
      let earliest = Number.POSITIVE_INFINITY
      for (const sink of active) earliest = Math.min(earliest, sink.nextDueMs())
      // Whole milliseconds, as the clock counts them: a packet goes out within 1 ms after it is due.
      const wait = Math.ceil(earliest - clock.unsafeCurrentTimeMillis())
      if (wait > 0) {
        plannedWakeAt = earliest
        yield* Effect.raceFirst(Effect.sleep(wait), wake.await)
        plannedWakeAt = Number.POSITIVE_INFINITY
      }
      releaseAll()
    })
  )

  return {
    activate: (sink) => {
      active.add(sink)
      if (sink.nextDueMs() < plannedWakeAt) wake.unsafeOpen()
    },
    forget: (sink) => {
      active.delete(sink)
    },
    active: () => active.size,
    loop
  }
}
