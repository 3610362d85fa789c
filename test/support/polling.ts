/**
 * The one polling helper for tests on the live clock: every "wait until this holds" in test/
 * goes through `waitUntil` (Effect) or its Promise and asserting forms below.
 */
import { expect } from "@effect/vitest"
import { Duration, Effect } from "effect"

/** Polls `condition` every `everyMs` (default 20) until it holds; false after `timeoutMs`. */
export const waitUntil = (condition: () => boolean, timeoutMs: number, everyMs = 20): Effect.Effect<boolean> =>
  Effect.gen(function* () {
    const deadline = performance.now() + timeoutMs
    while (!condition()) {
      if (performance.now() > deadline) return false
      yield* Effect.sleep(Duration.millis(everyMs))
    }
    return true
  })

/** Reads `read` every `everyMs` until `holds` accepts the value or `timeoutMs` passes; the last value either way. */
export const readUntil = <A>(read: Effect.Effect<A>, holds: (value: A) => boolean, timeoutMs: number, everyMs = 20): Effect.Effect<A> =>
  Effect.gen(function* () {
    const deadline = performance.now() + timeoutMs
    let value = yield* read
    while (!holds(value) && performance.now() < deadline) {
      yield* Effect.sleep(Duration.millis(everyMs))
      value = yield* read
    }
    return value
  })

/** `waitUntil` for tests outside Effect: resolves true once `condition` holds, false after `timeoutMs`. */
export const waitUntilAsync = (condition: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> =>
  Effect.runPromise(waitUntil(condition, timeoutMs, everyMs))

/** `readUntil` for tests outside Effect, reading with a Promise (a request to a server, say). */
export const readUntilAsync = <A>(read: () => Promise<A>, holds: (value: A) => boolean, timeoutMs: number, everyMs = 100): Promise<A> =>
  Effect.runPromise(readUntil(Effect.promise(read), holds, timeoutMs, everyMs))

/** `waitUntil`, then asserts that the condition held (default: within 2 s). */
export const eventually = (condition: () => boolean, timeoutMs = 2000, everyMs = 20): Effect.Effect<void> =>
  Effect.map(waitUntil(condition, timeoutMs, everyMs), (held) => {
    expect(held, `condition held within ${timeoutMs} ms`).toBe(true)
  })
