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
  /** When the first frame is due (a live channel's timeline); default: when the run starts. */
  readonly anchorMillis?: number
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

const liveClockPrototype: unknown = Object.getPrototypeOf(Clock.make())

/** Effect's default Clock, whose sleep is a plain setTimeout. */
export const isLiveClock = (clock: Clock.Clock): boolean => Object.getPrototypeOf(clock) === liveClockPrototype

/** What a run does next, as the pacer's `plan` answers (else: the milliseconds to wait). */
const END = -1
const SEND_NOW = 0

/**
 * The arithmetic of one run, shared by both loops: which frame is due when, re-anchoring after a
 * stall, where to stop. `plan(now)` answers END, SEND_NOW (then `frame` and `due` are the frame's)
 * or the milliseconds to wait; `sent()` moves on to the next frame.
 */
const makePacer = (options: ScheduleOptions, startMillis: number) => {
  let t0 = startMillis
  let k = 0
  const pacer = {
    frame: options.firstFrame,
    due: 0,
    result: (): ScheduleResult => ({ framesSent: k, nextFrame: pacer.frame }),
    plan: (now: number): number => {
      if (options.endFrame !== undefined && pacer.frame >= options.endFrame) return END
      pacer.due = frameDueMillis(t0, k, options.fps)
      if (now - pacer.due > MAX_LATENESS_MS) {
        t0 = now - (k * 1000) / options.fps
        pacer.due = now
      }
      return pacer.due > now ? pacer.due - now : SEND_NOW
    },
    sent: (): void => {
      pacer.frame++
      k++
    }
  }
  return pacer
}

/**
 * The live clock's loop: the whole run is one Effect.async on plain node timers, so a frame
 * costs one timer callback and the send, and no fiber step. Effect's clock.sleep put several
 * fiber steps, an interrupt handler and the scheduler's hop in every frame: most of the loop's
 * CPU. The run leaves the callback only for a frame's follow-up effect (rare: a log line), which
 * runs in the fiber before the loop goes on. A frame already due when the session is behind
 * waits for the next timer turn, so the other sessions' frames go out in between and an
 * interruption can land between any two frames.
 */
const liveRun = (options: ScheduleOptions, clock: Clock.Clock): Effect.Effect<ScheduleResult> => {
  const pacer = makePacer(options, options.anchorMillis ?? clock.unsafeCurrentTimeMillis())
  const run: Effect.Effect<ScheduleResult> = Effect.async<ScheduleResult>((resume) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    // `onTimer`: the timer armed for this frame fired. Node may run it up to a millisecond before
    // the due time by Date.now (its loop clock is cached), so the frame goes now, not re-armed.
    const step = (onTimer: boolean): void => {
      timer = undefined
      let plan = pacer.plan(clock.unsafeCurrentTimeMillis())
      if (plan === END) return resume(Effect.succeed(pacer.result()))
      if (plan === SEND_NOW || onTimer) {
        const followUp = options.sendFrame(pacer.frame, pacer.due)
        pacer.sent()
        if (followUp !== undefined) return resume(Effect.zipRight(followUp, run))
        plan = pacer.plan(clock.unsafeCurrentTimeMillis())
        if (plan === END) return resume(Effect.succeed(pacer.result()))
      }
      // SEND_NOW here means behind: the next frame goes on the next timer turn.
      timer = setTimeout(stepOnTimer, plan)
    }
    const stepOnTimer = (): void => step(true)
    step(false)
    return Effect.sync(() => clearTimeout(timer))
  })
  return run
}

/**
 * Any other clock (TestClock): the same pacer in fiber steps, each wait the clock's own sleep,
 * which cancels itself on interruption. A frame that is already due is sent in its own step, so
 * the fiber stays interruptible between frames.
 */
const clockRun = (options: ScheduleOptions, clock: Clock.Clock): Effect.Effect<ScheduleResult> => {
  const pacer = makePacer(options, options.anchorMillis ?? clock.unsafeCurrentTimeMillis())
  const sendDue = (): Effect.Effect<ScheduleResult> => {
    const followUp = options.sendFrame(pacer.frame, pacer.due)
    pacer.sent()
    return followUp === undefined ? nextFrame : Effect.zipRight(followUp, nextFrame)
  }
  const sendDueStep = Effect.suspend(sendDue)
  const nextFrame: Effect.Effect<ScheduleResult> = Effect.suspend(() => {
    const plan = pacer.plan(clock.unsafeCurrentTimeMillis())
    if (plan === END) return Effect.succeed(pacer.result())
    return plan > SEND_NOW ? Effect.zipRight(clock.sleep(Duration.millis(plan)), sendDueStep) : sendDue()
  })
  return nextFrame
}

/** The hot loop of every playing session: one per run, on whichever clock the fiber has. */
export const runSchedule = (options: ScheduleOptions): Effect.Effect<ScheduleResult> =>
  Effect.clockWith((clock) => (isLiveClock(clock) ? liveRun(options, clock) : clockRun(options, clock)))

export class FrameScheduler extends Context.Tag("effect-rtsp/FrameScheduler")<
  FrameScheduler,
  { readonly run: (options: ScheduleOptions) => Effect.Effect<ScheduleResult> }
>() {}

export const layer: Layer.Layer<FrameScheduler> = Layer.succeed(FrameScheduler, { run: runSchedule })
