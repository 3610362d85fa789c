/** Ending a child process the bench (or a test) started: bounded waits, never a hang. */
import type { ChildProcess } from "node:child_process"

export const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null

/** Resolves true when the child has exited, or false after `ms`. */
export const waitExit = (child: ChildProcess, ms: number): Promise<boolean> =>
  hasExited(child)
    ? Promise.resolve(true)
    : new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.off("exit", onExit)
        resolve(false)
      }, ms)
      const onExit = (): void => {
        clearTimeout(timer)
        resolve(true)
      }
      child.once("exit", onExit)
    })

/** Time a child is given to die after SIGKILL. */
const KILL_WAIT_MS = 2000

/** SIGTERM, then SIGKILL if it has not gone within `graceMs`; resolves with its exit code (null when killed). */
export const terminate = async (child: ChildProcess, graceMs: number): Promise<number | null> => {
  if (!hasExited(child)) child.kill("SIGTERM")
  if (!(await waitExit(child, graceMs))) {
    child.kill("SIGKILL")
    await waitExit(child, KILL_WAIT_MS)
  }
  return child.exitCode
}
