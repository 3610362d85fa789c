/**
 * A one-shot timer on the Effect Clock that socket callbacks can arm and
 * cancel synchronously. Its fiber lives in the caller's scope, so closing
 * the scope cancels it, and under TestClock it fires on `TestClock.adjust`.
 */
import { Duration, Effect, type Fiber, FiberHandle, FiberId, type Scope } from "effect"

export interface ClockTimer {
  /** (Re)starts the timer: `onFire` runs after `ms` unless cancelled or restarted first. */
  readonly start: (ms: number, onFire: () => void) => void
  /** Starts the timer only if it is not running already. */
  readonly startIfIdle: (ms: number, onFire: () => void) => void
  readonly cancel: () => void
}

export const makeClockTimer: Effect.Effect<ClockTimer, never, Scope.Scope> = Effect.gen(function* () {
  const run = yield* FiberHandle.makeRuntime<never, never, void>()
  let current: Fiber.RuntimeFiber<void, never> | undefined
  const start = (ms: number, onFire: () => void): void => {
    const fiber: Fiber.RuntimeFiber<void, never> = run(
      Effect.sleep(Duration.millis(ms)).pipe(
        Effect.zipRight(Effect.sync(() => {
          if (current === fiber) current = undefined
          onFire()
        }))
      )
    )
    current = fiber
  }
  return {
    start,
    startIfIdle: (ms, onFire) => {
      if (current === undefined) start(ms, onFire)
    },
    cancel: () => {
      current?.unsafeInterruptAsFork(FiberId.none)
      current = undefined
    }
  }
})
