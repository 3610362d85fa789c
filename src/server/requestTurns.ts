/**
 * Fair turns for request handling. A flood of requests (thousands of SETUPs
 * in a second) would otherwise be handled back to back, each connection's
 * fiber ready at once, and the event loop's timers, which pace every
 * session's frames, would wait behind them all. So at most a batch of
 * requests is handled per event-loop turn, server-wide; the rest wait for the
 * next turn, after the timers. The event loop is the process's, so the count
 * is too.
 */
import { Effect } from "effect"

const REQUESTS_PER_TURN = 32

let handledThisTurn = 0
let resetScheduled = false

const nextTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const timer = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(timer))
})

/** Waits, when this turn's batch is spent, for a turn with room; then counts the request in it. */
export const requestTurn: Effect.Effect<void> = Effect.suspend(() => {
  if (handledThisTurn >= REQUESTS_PER_TURN) return Effect.zipRight(nextTurn, requestTurn)
  handledThisTurn++
  if (!resetScheduled) {
    resetScheduled = true
    setImmediate(() => {
      handledThisTurn = 0
      resetScheduled = false
    })
  }
  return Effect.void
})
