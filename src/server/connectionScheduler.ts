/**
 * The scheduler of connection fibers (accepting, parsing, answering): their work runs in slices
 * of at most a few milliseconds, each started from setImmediate, so the frame timers
 * (FrameScheduler.ts, plain setTimeout) get the event loop between two slices however many
 * connections have work. Effect's default scheduler runs every ready fiber in one chain of
 * microtasks, which no timer can cut into: a flood of connections or SETUPs held every playing
 * session's frames for 100-400 ms.
 *
 * Tasks of priority above 0 (a connection that holds a session, see connection.ts) go before the
 * others, so a flood of newcomers does not delay an established client's requests, nor an
 * interleaved publisher's packets, behind it.
 */
import { FiberRef, type Scheduler } from "effect"

/** The longest a slice of connection work holds the event loop. */
export const SLICE_MS = 4

/** Every this many ops a running fiber looks at the slice's deadline (a clock read per op would cost more than it saves). */
const DEADLINE_CHECK_OPS = 64

/** A FIFO queue of tasks that reuses its array. */
const makeQueue = () => {
  let tasks: Array<Scheduler.Task> = []
  let head = 0
  return {
    push: (task: Scheduler.Task): void => {
      tasks.push(task)
    },
    shift: (): Scheduler.Task | undefined => {
      if (head === tasks.length) return undefined
      const task = tasks[head]
      head++
      if (head === tasks.length) {
        tasks = []
        head = 0
      }
      return task
    },
    isEmpty: (): boolean => head === tasks.length
  }
}

export const makeSlicedScheduler = (sliceMs: number = SLICE_MS): Scheduler.Scheduler => {
  const urgent = makeQueue()
  const normal = makeQueue()
  let armed = false
  // The slice's end on the host's monotonic clock (CPU time held, not service time: under TestClock
  // a slice must still end); 0 outside a slice.
  let deadline = 0

  const runSlice = (): void => {
    armed = false
    deadline = performance.now() + sliceMs
    for (;;) {
      const task = urgent.shift() ?? normal.shift()
      if (task === undefined) break
      task()
      if (performance.now() >= deadline) break
    }
    deadline = 0
    if (!urgent.isEmpty() || !normal.isEmpty()) arm()
  }
  const arm = (): void => {
    if (armed) return
    armed = true
    setImmediate(runSlice)
  }

  return {
    scheduleTask: (task, priority) => {
      if (priority > 0) urgent.push(task)
      else normal.push(task)
      arm()
    },
    shouldYield: (fiber) => {
      const ops = fiber.currentOpCount
      const overSlice = deadline !== 0 && ops % DEADLINE_CHECK_OPS === 0 && performance.now() >= deadline
      return overSlice || ops > fiber.getFiberRef(FiberRef.currentMaxOpsBeforeYield)
        ? fiber.getFiberRef(FiberRef.currentSchedulingPriority)
        : false
    }
  }
}
