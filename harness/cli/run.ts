/**
 * `rtsp-harness run <scenario.json|name>`: a scenario file (or a built-in one by name) run to
 * the end; exit status 0 only if every expectation held. `--url` points a scenario (e.g. a
 * built-in one) at another server.
 */
import { Args, Command, Options } from "@effect/cli"
import * as FileSystem from "@effect/platform/FileSystem"
import { Console, Effect, Either, Option } from "effect"
import { type RunOptions, runScenario, type ScenarioRunResult } from "../run/runScenario.js"
import { builtinScenarioPath, isBuiltinScenarioName } from "../scenario/builtins.js"
import { decodeScenario, decodeScenarioValue, encodeScenario } from "../scenario/decode.js"
import type { Scenario } from "../scenario/schema.js"
import { failWith } from "./failWith.js"
import { commandLine, finishRun } from "./finishRun.js"
import { progressReporter } from "./progress.js"
import { checkRtspUrl, credentialOptions, credentialsFrom, insecureOption, isRtspsUrl, jsonOption, reportOption, timeoutOption, udpBatchingOption, udpFallbackOption } from "./shared.js"

const scenarioArg = Args.text({ name: "scenario" }).pipe(
  Args.withDescription("A scenario JSON file, or the name of a built-in one (see `rtsp-harness scenarios`)")
)
const urlOverride = Options.text("url").pipe(
  Options.optional,
  Options.withDescription("Run the scenario against this URL instead of its own (an rtsps:// one plays a udp scenario over TCP)")
)

/** Reads and validates a scenario; every problem is printed with its path in the file. */
export const loadScenario = (nameOrPath: string, url: Option.Option<string>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = isBuiltinScenarioName(nameOrPath) ? builtinScenarioPath(nameOrPath) : nameOrPath
    const text = yield* fs.readFileString(path).pipe(
      Effect.catchAll((error) => failWith(`error: cannot read the scenario ${path}: ${error.message}`))
    )
    const decoded = decodeScenario(text, path)
    if (Either.isLeft(decoded)) return yield* failWith(decoded.left.message.split("\n").map((l) => `error: ${l}`).join("\n"))
    if (Option.isNone(url)) return overTls(decoded.right, transportGiven(text))
    const checked = checkRtspUrl(url.value)
    if (Either.isLeft(checked)) return yield* failWith(`error: --url: ${checked.left}`)
    const overridden = decodeScenarioValue({ ...encodeScenario(decoded.right), url: url.value }, `${path} with --url`)
    if (Either.isLeft(overridden)) return yield* failWith(overridden.left.message.split("\n").map((l) => `error: ${l}`).join("\n"))
    // A udp the file chose was for its own server; pointed at an RTSPS one it says so and plays over TCP.
    const switched = overTls(overridden.right, isRtspsUrl(decoded.right.url) && transportGiven(text))
    if (switched.transport !== overridden.right.transport && transportGiven(text)) {
      yield* Console.error("note: --url is rtsps://: the scenario's udp transport becomes tcp (RTP stays inside the TLS connection)")
    }
    return switched
  })

/** The file names a transport itself (else the decoded "udp" is the default). It decoded, so it is JSON. */
const transportGiven = (text: string): boolean => {
  const raw: unknown = JSON.parse(text)
  return typeof raw === "object" && raw !== null && "transport" in raw
}

/**
 * Over rtsps:// the unicast default is tcp, as for play and load: servers answer a UDP SETUP
 * inside TLS 461. The classic dialect has UDP only, and keeps it.
 */
const overTls = (scenario: Scenario, keepUdp: boolean): Scenario =>
  isRtspsUrl(scenario.url) && scenario.transport === "udp" && scenario.dialect === "standard" && !keepUdp ? { ...scenario, transport: "tcp" } : scenario

/** A run with the live line on stderr: `run` gets the progress options to pass to its runner. */
export const withProgress = (
  run: (progress: Required<Pick<RunOptions, "onProgress" | "progressEveryMs">>) => Effect.Effect<ScenarioRunResult>
): Effect.Effect<ScenarioRunResult> => {
  const progress = progressReporter()
  return run({ onProgress: progress.onProgress, progressEveryMs: progress.everyMs }).pipe(Effect.ensuring(progress.done))
}

export const runWithProgress = (scenario: Scenario, options: RunOptions = {}) =>
  withProgress((progress) => runScenario(scenario, { ...options, ...progress }))

export const runCommand = Command.make(
  "run",
  { scenario: scenarioArg, url: urlOverride, json: jsonOption, report: reportOption, timeout: timeoutOption, udpFallback: udpFallbackOption, udpBatching: udpBatchingOption, insecure: insecureOption, ...credentialOptions },
  (options) =>
    Effect.gen(function* () {
      const scenario = yield* loadScenario(options.scenario, options.url)
      const result = yield* runWithProgress(scenario, { timeoutMs: options.timeout, udpFallbackMs: options.udpFallback, udpBatching: options.udpBatching, insecure: options.insecure, ...credentialsFrom(options) })
      yield* finishRun(result, { json: options.json, report: options.report, command: commandLine() })
    })
).pipe(Command.withDescription("Run a scenario (steps for one or many clients, and expectations); exit status 0 only if every expectation held"))
