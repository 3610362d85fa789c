/**
 * Drift-free frame pacing. A run started at t0 sends its k-th frame at
 * t0 + k * 1000/fps ms: the due time is computed, not accumulated, so
 * neither the work per frame nor timer lateness adds up over a long run.
 * Time comes from Effect's Clock (TestClock in tests).
 */
import { Context, Duration, Effect, Layer } from "effect"

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

/**
 * The hot loop of every playing session, so it costs one timer and a few Effect steps a frame:
 * the clock is read once, time is read synchronously, and the loop continues from the sleep's
 * callback. A frame that is already due (the session is behind) is sent in its own step, so
 * the fiber stays interruptible between frames.
 */
export const runSchedule = (options: ScheduleOptions): Effect.Effect<ScheduleResult> =>
  Effect.clockWith((clock) => {
    let t0 = clock.unsafeCurrentTimeMillis()
    let k = 0
    let frame = options.firstFrame
    const send = (due: number): Effect.Effect<ScheduleResult> => {
      const followUp = options.sendFrame(frame, due)
      frame++
      k++
      return followUp === undefined ? Effect.suspend(next) : Effect.zipRight(followUp, Effect.suspend(next))
    }
    const next = (): Effect.Effect<ScheduleResult> => {
      if (options.endFrame !== undefined && frame >= options.endFrame) return Effect.succeed({ framesSent: k, nextFrame: frame })
      let due = frameDueMillis(t0, k, options.fps)
      const now = clock.unsafeCurrentTimeMillis()
      if (now - due > MAX_LATENESS_MS) {
        t0 = now - (k * 1000) / options.fps
        due = now
      }
      return due > now ? Effect.zipRight(clock.sleep(Duration.millis(due - now)), Effect.suspend(() => send(due))) : send(due)
    }
    return Effect.suspend(next)
  })

export class FrameScheduler extends Context.Tag("effect-rtsp/FrameScheduler")<
  FrameScheduler,
  { readonly run: (options: ScheduleOptions) => Effect.Effect<ScheduleResult> }
>() {}

export const layer: Layer.Layer<FrameScheduler> = Layer.succeed(FrameScheduler, { run: runSchedule })
