/** Runs the effect-rtsp CLI in-process and captures what it prints. */
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { vi } from "vitest"
import { runCli } from "../../src/cli/Cli.js"

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const capture = () => {
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const text = (args: ReadonlyArray<unknown>): string => args.map(String).join(" ")
  const spies = [
    vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => void stdout.push(text(args))),
    vi.spyOn(console, "info").mockImplementation((...args: Array<unknown>) => void stdout.push(text(args))),
    vi.spyOn(console, "error").mockImplementation((...args: Array<unknown>) => void stderr.push(text(args))),
    vi.spyOn(console, "warn").mockImplementation((...args: Array<unknown>) => void stderr.push(text(args)))
  ]
  return { stdout, stderr, restore: () => spies.forEach((s) => s.mockRestore()) }
}

/** `cli("video", "info", file)` runs `effect-rtsp video info <file>`. */
export const cli = (...args: ReadonlyArray<string>): Effect.Effect<CliResult> =>
  Effect.acquireUseRelease(
    Effect.sync(capture),
    (captured) =>
      Effect.map(runCli(["node", "effect-rtsp", ...args]).pipe(Effect.provide(NodeContext.layer)), (code) => ({
        code,
        stdout: captured.stdout.join("\n"),
        stderr: captured.stderr.join("\n")
      })),
    (captured) => Effect.sync(captured.restore)
  )
