/** Bounded polling for tests on the live clock. */
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

/** Polls promise-style (for tests outside Effect): true once `condition` holds, false after `timeoutMs`. */
export const eventuallyAsync = async (condition: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return true
}
