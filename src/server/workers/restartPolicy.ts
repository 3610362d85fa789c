/**
 * When a crashed worker is replaced: at once, unless its slot crashed too often lately, so a
 * worker that cannot run (a broken config, a port someone else took) does not fork forever.
 */

export interface RestartPolicy {
  /** Replacements allowed within `windowMs`; one more crash inside the window and the slot is given up. */
  readonly maxRestarts: number
  readonly windowMs: number
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 3, windowMs: 10_000 }

export interface RestartDecision {
  readonly replace: boolean
  /** The slot's crash times still inside the window, this one included: what to remember for the next crash. */
  readonly recentCrashes: ReadonlyArray<number>
}

export const decideRestart = (policy: RestartPolicy, previousCrashes: ReadonlyArray<number>, nowMs: number): RestartDecision => {
  const recentCrashes = [...previousCrashes.filter((at) => nowMs - at < policy.windowMs), nowMs]
  return { replace: recentCrashes.length <= policy.maxRestarts, recentCrashes }
}
