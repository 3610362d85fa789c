/**
 * The live progress of a run, on stderr so stdout stays one table or one JSON object: on a
 * terminal one line rewritten in place every second; otherwise a plain line every 2 s.
 */
import { Effect } from "effect"
import { formatLiveStatus, type LiveStatus } from "../run/liveStatus.js"

const PLAIN_EVERY_MS = 2000

export const progressReporter = (): { readonly everyMs: number; readonly onProgress: (s: LiveStatus) => Effect.Effect<void>; readonly done: Effect.Effect<void> } => {
  const tty = process.stderr.isTTY === true
  let wrote = false
  return {
    everyMs: tty ? 1000 : PLAIN_EVERY_MS,
    onProgress: (s) =>
      Effect.sync(() => {
        wrote = true
        process.stderr.write(tty ? `\r\x1b[2K${formatLiveStatus(s)}` : `${formatLiveStatus(s)}\n`)
      }),
    done: Effect.sync(() => {
      if (tty && wrote) process.stderr.write("\n")
    })
  }
}
