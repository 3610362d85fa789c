/**
 * `rtsp-harness load <url> --clients N`: N sessions from one process, started evenly over the
 * ramp-up, each playing for --duration; live progress on stderr, the aggregate at the end.
 * With --fps-min/--loss-max it is a pass/fail load test.
 */
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { MAX_CLIENTS, type Scenario } from "../scenario/schema.js"
import { commandLine, finishRun } from "./finishRun.js"
import { runWithProgress } from "./run.js"
import { credentialOptions, credentialsFrom, durationOption, jsonOption, reportOption, timeoutOption, udpFallbackOption, transportOption, urlArg } from "./shared.js"
import type { TransportKind } from "../../src/protocol/rtsp/vocabulary.js"

const clients = Options.integer("clients").pipe(
  Options.withDescription(`How many sessions, 1 to ${MAX_CLIENTS}`),
  Options.filterMap((n) => (n >= 1 && n <= MAX_CLIENTS ? Option.some(n) : Option.none()), `--clients must be a whole number from 1 to ${MAX_CLIENTS}`)
)
const fpsMin = Options.float("fps-min").pipe(Options.optional, Options.withDescription("Fail unless every client kept at least this frame rate"))
const lossMax = Options.float("loss-max").pipe(Options.optional, Options.withDescription("Fail if any client lost more than this % of packets"))

export const loadTestScenario = (url: string, n: number, durationMs: number, rampUpMs: number, transport: TransportKind, fps: Option.Option<number>, loss: Option.Option<number>): Scenario => ({
  name: `load ${n}`,
  url,
  transport,
  dialect: "standard",
  clients: n,
  rampUp: rampUpMs,
  steps: [{ step: "describe" }, { step: "setup" }, { step: "play" }, { step: "wait", duration: durationMs }, { step: "teardown" }],
  expect: {
    statuses: { DESCRIBE: 200, SETUP: 200, PLAY: 200 },
    ...(Option.isSome(fps) ? { fpsMin: fps.value } : {}),
    ...(Option.isSome(loss) ? { lossMaxPct: loss.value } : {})
  }
})

export const loadCommand = Command.make(
  "load",
  {
    url: urlArg,
    clients,
    duration: durationOption("duration", "30s", "How long each client plays (less if the stream ends)"),
    rampUp: durationOption("ramp-up", "5s", "Time over which the clients are started"),
    transport: transportOption,
    fpsMin,
    lossMax,
    json: jsonOption,
    report: reportOption,
    timeout: timeoutOption,
    udpFallback: udpFallbackOption,
    ...credentialOptions
  },
  (options) =>
    Effect.gen(function* () {
      const scenario = loadTestScenario(options.url, options.clients, options.duration, options.rampUp, options.transport, options.fpsMin, options.lossMax)
      const result = yield* runWithProgress(scenario, { timeoutMs: options.timeout, udpFallbackMs: options.udpFallback, ...credentialsFrom(options) })
      yield* finishRun(result, { json: options.json, report: options.report, command: commandLine() })
    })
).pipe(Command.withDescription("Load test: many sessions from one process, with live progress (clients up, fps, loss, jitter) and the totals at the end"))
