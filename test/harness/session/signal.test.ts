/** The one-shot signal a session's fibers wait on (first packet, RTCP BYE), on node timers. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { makeSignal } from "../../../harness/session/signal.js"

describe("Signal", () => {
  it.live("a signal fired before the wait answers true at once, and fires only once", () =>
    Effect.gen(function*() {
      const signal = makeSignal()
      signal.fire()
      signal.fire()
      expect(signal.fired()).toBe(true)
      expect(yield* signal.awaitFor(60_000)).toBe(true)
    }))

  it.live("a wait that runs out answers false", () =>
    Effect.gen(function*() {
      const signal = makeSignal()
      expect(yield* signal.awaitFor(10)).toBe(false)
      expect(signal.fired()).toBe(false)
    }))

  it.live("every waiter gets true when it fires, long before their time is up", () =>
    Effect.gen(function*() {
      const signal = makeSignal()
      const waiters = yield* Effect.forEach([0, 1, 2], () => Effect.fork(signal.awaitFor(60_000)))
      yield* Effect.yieldNow()
      setTimeout(signal.fire, 5)
      expect(yield* Fiber.joinAll(waiters)).toEqual([true, true, true])
    }))

  it.live("an interrupted waiter is forgotten: a later fire reaches only the others", () =>
    Effect.gen(function*() {
      const signal = makeSignal()
      const gone = yield* Effect.fork(signal.awaitFor(60_000))
      const stays = yield* Effect.fork(signal.awaitFor(60_000))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(gone)
      signal.fire()
      expect(yield* Fiber.join(stays)).toBe(true)
    }))
})
