/**
 * `rtsp-harness load <url> --clients N`: N sessions, started evenly over the ramp-up, each
 * playing for --duration; live progress on stderr, the aggregate at the end. With
 * --fps-min/--loss-max it is a pass/fail load test. --threads spreads the sessions over worker
 * threads (default one per core; 1 = all in this process's event loop), with the same figures.
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { availableParallelism } from "node:os"
import { runScenario } from "../run/runScenario.js"
import { runScenarioOnThreads } from "../run/threadedRun.js"
import { MAX_CLIENTS, type Scenario } from "../scenario/schema.js"
import { commandLine, finishRun } from "./finishRun.js"
import { withProgress } from "./run.js"
import { credentialOptions, credentialsFrom, durationOption, jsonOption, reportOption, timeoutOption, udpBatchingOption, udpFallbackOption, udpReceiveLine, transportOption, urlArg } from "./shared.js"
import type { TransportKind } from "../../src/protocol/rtsp/vocabulary.js"

const clients = Options.integer("clients").pipe(
  Options.withDescription(`How many sessions, 1 to ${MAX_CLIENTS}`),
  Options.filterMap((n) => (n >= 1 && n <= MAX_CLIENTS ? Option.some(n) : Option.none()), `--clients must be a whole number from 1 to ${MAX_CLIENTS}`)
)
/** More threads than this gain nothing on any machine we know, and each costs memory. */
export const MAX_THREADS = 64

const threads = Options.text("threads").pipe(
  Options.withDefault(String(availableParallelism())),
  Options.withDescription(`Worker threads the sessions are spread over, 1 to ${MAX_THREADS} (default: the number of cores, here ${availableParallelism()}); 1 runs them all in this process`),
  // Text, not Options.integer: one message for every bad value ("0", "-1", "1.5", "two").
  Options.filterMap((text) => {
    const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
    return n >= 1 && n <= MAX_THREADS ? Option.some(n) : Option.none()
  }, `--threads must be a whole number from 1 to ${MAX_THREADS}`)
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
    threads,
    duration: durationOption("duration", "30s", "How long each client plays (less if the stream ends)"),
    rampUp: durationOption("ramp-up", "5s", "Time over which the clients are started"),
    transport: transportOption,
    fpsMin,
    lossMax,
    json: jsonOption,
    report: reportOption,
    timeout: timeoutOption,
    udpFallback: udpFallbackOption,
    udpBatching: udpBatchingOption,
    ...credentialOptions
  },
  (options) =>
    Effect.gen(function* () {
      const scenario = loadTestScenario(options.url, options.clients, options.duration, options.rampUp, options.transport, options.fpsMin, options.lossMax)
      const settings = { timeoutMs: options.timeout, udpFallbackMs: options.udpFallback, udpBatching: options.udpBatching, ...credentialsFrom(options) }
      if (options.transport === "udp") yield* Console.error(udpReceiveLine(options.udpBatching))
      // No more threads than clients; one thread is the plain in-process run, without a worker.
      const threadCount = Math.min(options.threads, options.clients)
      const result = yield* withProgress((progress) =>
        threadCount === 1
          ? runScenario(scenario, { ...settings, ...progress })
          : runScenarioOnThreads(scenario, { ...settings, ...progress, threads: threadCount })
      )
      yield* finishRun(result, { json: options.json, report: options.report, command: commandLine() })
    })
).pipe(Command.withDescription("Load test: many sessions, spread over worker threads (--threads), with live progress (clients up, fps, loss, jitter) and the totals at the end"))
