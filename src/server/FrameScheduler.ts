/**
 * Drift-free frame pacing. A run started at t0 sends its k-th frame at
 * t0 + k * 1000/fps ms: the due time is computed, not accumulated, so
 * neither the work per frame nor timer lateness adds up over a long run.
 * Time comes from Effect's Clock (TestClock in tests).
 */
import { Clock, Context, Duration, Effect, Layer } from "effect"

export interface ScheduleOptions {
  readonly fps: number
  /** Absolute index of the first frame of this run (PLAY resumes or seeks here). */
  readonly firstFrame: number
  /** Index to stop before (end of media); undefined runs until interrupted (loop). */
  readonly endFrame: number | undefined
  /**
   * Sends one frame, due at `dueMillis`; the hot path, so a plain function. It may return
   * an Effect for the rare follow-up work (a log line, say), run before the next frame.
   */
  readonly sendFrame: (frameIndex: number, dueMillis: number) => Effect.Effect<void> | undefined
}

export interface ScheduleResult {
  readonly framesSent: number
  /** The frame a later run would continue with. */
  readonly nextFrame: number
}

/** If the process stalls this long behind schedule, the timeline is re-anchored instead of bursting frames to catch up. */
export const MAX_LATENESS_MS = 1000

export const frameDueMillis = (startMillis: number, k: number, fps: number): number => startMillis + (k * 1000) / fps

/** How a run waits for its next frame: `after(ms, then)` continues with `then` once `ms` have passed. */
interface FrameWait {
  readonly after: (ms: number, then: Effect.Effect<ScheduleResult>) => Effect.Effect<ScheduleResult>
  /** Clears a wait left pending when the run is interrupted; undefined when the clock cleans up itself. */
  readonly cancelPending: Effect.Effect<void> | undefined
}

const liveClockPrototype: unknown = Object.getPrototypeOf(Clock.make())

/** Effect's default Clock, whose sleep is a plain setTimeout. */
export const isLiveClock = (clock: Clock.Clock): boolean => Object.getPrototypeOf(clock) === liveClockPrototype

/**
 * The live clock's wait, armed directly: `clock.sleep` wraps every sleep in its own interrupt
 * handler (several fiber steps and allocations a frame, about two thirds of the loop's CPU at
 * 500 sessions), so here one handler per run clears the single pending timer instead. A run
 * waits for one frame at a time, so the wait and its timer callback are built once per run.
 */
const timerWait = (): FrameWait => {
  let pending: ReturnType<typeof setTimeout> | undefined
  let delayMs = 0
  let then: Effect.Effect<ScheduleResult> = Effect.never
  let resumeRun: ((next: Effect.Effect<ScheduleResult>) => void) | undefined
  const fire = (): void => {
    pending = undefined
    const resume = resumeRun
    resumeRun = undefined
    resume?.(then)
  }
  const waiting = Effect.async<ScheduleResult>((resume) => {
    resumeRun = resume
    pending = setTimeout(fire, delayMs)
  })
  return {
    after: (ms, next) => {
      delayMs = ms
      then = next
      return waiting
    },
    cancelPending: Effect.sync(() => {
      if (pending !== undefined) clearTimeout(pending)
      pending = undefined
      resumeRun = undefined
    })
  }
}

/** Any other clock (TestClock): its own sleep, which cancels itself on interruption. */
const clockWait = (clock: Clock.Clock): FrameWait => ({
  after: (ms, then) => Effect.zipRight(clock.sleep(Duration.millis(ms)), then),
  cancelPending: undefined
})

/**
 * The hot loop of every playing session, so it costs one timer and a few Effect steps a frame:
 * the clock is read once, time is read synchronously, and the steps are built once per run, not
 * per frame. A frame that is already due (the session is behind) is sent in its own step, so
 * the fiber stays interruptible between frames.
 */
export const runSchedule = (options: ScheduleOptions): Effect.Effect<ScheduleResult> =>
  Effect.clockWith((clock) => {
    const wait = isLiveClock(clock) ? timerWait() : clockWait(clock)
    let t0 = clock.unsafeCurrentTimeMillis()
    let k = 0
    let frame = options.firstFrame
    let due = 0
    const sendDue = (): Effect.Effect<ScheduleResult> => {
      const followUp = options.sendFrame(frame, due)
      frame++
      k++
      return followUp === undefined ? nextFrame : Effect.zipRight(followUp, nextFrame)
    }
    const sendDueStep = Effect.suspend(sendDue)
    const nextFrame: Effect.Effect<ScheduleResult> = Effect.suspend(() => {
      if (options.endFrame !== undefined && frame >= options.endFrame) return Effect.succeed({ framesSent: k, nextFrame: frame })
      due = frameDueMillis(t0, k, options.fps)
      const now = clock.unsafeCurrentTimeMillis()
      if (now - due > MAX_LATENESS_MS) {
        t0 = now - (k * 1000) / options.fps
        due = now
      }
      return due > now ? wait.after(due - now, sendDueStep) : sendDue()
    })
    return wait.cancelPending === undefined ? nextFrame : Effect.ensuring(nextFrame, wait.cancelPending)
  })

export class FrameScheduler extends Context.Tag("effect-rtsp/FrameScheduler")<
  FrameScheduler,
  { readonly run: (options: ScheduleOptions) => Effect.Effect<ScheduleResult> }
>() {}

export const layer: Layer.Layer<FrameScheduler> = Layer.succeed(FrameScheduler, { run: runSchedule })
