/**
 * `rtsp-harness load <url> --clients N`: N sessions, started evenly over the ramp-up, each
 * playing for --duration; live progress on stderr, the aggregate at the end. With
 * --fps-min/--loss-max it is a pass/fail load test. --threads spreads the sessions over worker
 * threads (default one per core; 1 = all in this process's event loop), with the same figures.
 *
 * Beyond one machine: `--shard I/N --out FILE` runs share I (0-based) of the N clients'
 * shares and writes its figures for `rtsp-harness merge`, which judges the whole run; a shard
 * prints its share's totals and exits 0 once its file is written. `--start-at` starts every
 * shard's clients at one instant. `--out` on a whole run writes the same file beside the usual
 * output.
 */
import { Command, Options } from "@effect/cli"
import * as FileSystem from "@effect/platform/FileSystem"
import { Clock, Console, Effect, Either, Option } from "effect"
import { availableParallelism } from "node:os"
import type { LiveStatus } from "../run/liveStatus.js"
import { type ScenarioRunResult, runScenario } from "../run/runScenario.js"
import { encodeShardFile } from "../run/shardFile.js"
import { shardFileOf } from "../run/shardOfRun.js"
import { clientList, clientsOfShard, parseShardSpec, shardLabel, type ShardSpec, WHOLE_RUN } from "../run/shardSpec.js"
import { MAX_START_AHEAD_MS, parseStartAt, startPlan } from "../run/startAt.js"
import { runScenarioOnThreads } from "../run/threadedRun.js"
import { MAX_CLIENTS, type Scenario } from "../scenario/schema.js"
import type { CliExit } from "../../src/common/cliExit.js"
import { describePlatformError } from "../../src/common/errorText.js"
import { failWith } from "./failWith.js"
import { commandLine, finishRun } from "./finishRun.js"
import { aggregateRows, table } from "./render.js"
import { withProgress } from "./run.js"
import { credentialOptions, credentialsFrom, durationOption, insecureOption, jsonOption, reportOption, timeoutOption, tracksOption, transportFor, udpBatchingOption, udpFallbackOption, udpReceiveLine, transportOption, urlArg } from "./shared.js"
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
const shard = Options.text("shard").pipe(
  Options.optional,
  Options.withDescription(
    "Run only share INDEX of COUNT of the --clients (INDEX is 0-based, 0 to COUNT-1, as Kubernetes' JOB_COMPLETION_INDEX: --shard $JOB_COMPLETION_INDEX/4); client i is in share i mod COUNT and keeps its start time in the ramp-up. Needs --out; rtsp-harness merge judges the shards together"
  )
)
const out = Options.file("out").pipe(Options.optional, Options.withDescription("Write the run's figures (a shard file, JSON) to this file, for rtsp-harness merge"))
const startAt = Options.text("start-at").pipe(
  Options.optional,
  Options.withDescription("Start the first client at this instant, an ISO 8601 time with its zone (e.g. 2026-05-01T12:00:00Z), so shards on machines with synchronised clocks start as one run; default: now")
)

export const loadTestScenario = (url: string, n: number, durationMs: number, rampUpMs: number, transport: TransportKind, fps: Option.Option<number>, loss: Option.Option<number>, tracks = "video"): Scenario => ({
  name: `load ${n}`,
  url,
  transport,
  dialect: "standard",
  // Written only when not the default, so a shard file says what it differs in.
  ...(tracks === "video" ? {} : { tracks }),
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
    tracks: tracksOption,
    fpsMin,
    lossMax,
    shard,
    out,
    startAt,
    json: jsonOption,
    report: reportOption,
    timeout: timeoutOption,
    udpFallback: udpFallbackOption,
    udpBatching: udpBatchingOption,
    insecure: insecureOption,
    ...credentialOptions
  },
  (options) =>
    Effect.gen(function* () {
      const spec = Option.isNone(options.shard) ? WHOLE_RUN : yield* orFail(parseShardSpec(options.shard.value, options.clients))
      const sharded = spec.count > 1
      if (sharded && Option.isNone(options.out)) return yield* failWith("error: --shard needs --out FILE: a shard's figures are judged with the other shards' by rtsp-harness merge")
      if (sharded && Option.isSome(options.report)) return yield* failWith("error: --report draws the whole run: give it to rtsp-harness merge, not to a shard")
      const epochMs = Option.isNone(options.startAt) ? undefined : yield* epochAt(options.startAt.value)
      const transport = transportFor(options.url, options.transport)
      const scenario = loadTestScenario(options.url, options.clients, options.duration, options.rampUp, transport, options.fpsMin, options.lossMax, options.tracks.trim())
      const settings = { timeoutMs: options.timeout, udpFallbackMs: options.udpFallback, udpBatching: options.udpBatching, insecure: options.insecure, ...credentialsFrom(options) }
      if (transport !== "tcp") yield* Console.error(udpReceiveLine(options.udpBatching))
      const share = clientsOfShard(options.clients, spec)
      const runOptions = { ...settings, ...(sharded ? { clientIndices: share } : {}), ...(epochMs === undefined ? {} : { epochMs }) }
      // No more threads than clients; one thread is the plain in-process run, without a worker.
      const threadCount = Math.min(options.threads, share.length)
      const result = yield* withProgress((progress) => {
        // Before --start-at's instant the clock reads below zero: nothing to show yet.
        const onProgress = (s: LiveStatus) => (s.elapsedMs < 0 ? Effect.void : progress.onProgress(s))
        return threadCount === 1
          ? runScenario(scenario, { ...runOptions, ...progress, onProgress })
          : runScenarioOnThreads(scenario, { ...runOptions, ...progress, onProgress, threads: threadCount })
      })
      if (Option.isSome(options.out)) yield* writeShardFile(options.out.value, encodeShardFile(shardFileOf(result, spec, commandLine())))
      if (sharded && Option.isSome(options.out)) yield* printShare(result, spec, share, options.out.value, options.json)
      else yield* finishRun(result, { json: options.json, report: options.report, command: commandLine() })
    })
).pipe(
  Command.withDescription(
    "Load test: many sessions, spread over worker threads (--threads), with live progress (clients up, fps, loss, jitter) and the totals at the end; over many machines, one --shard each, then rtsp-harness merge"
  )
)

const orFail = <A>(parsed: Either.Either<A, string>): Effect.Effect<A, CliExit> =>
  Either.match(parsed, { onLeft: (message) => failWith(`error: ${message}`), onRight: Effect.succeed })

/** The run's epoch on performance.now()'s clock for --start-at (undefined once it has passed), after saying how long it waits. */
const epochAt = (text: string) =>
  Effect.gen(function* () {
    const at = yield* orFail(parseStartAt(text))
    const now = yield* Clock.currentTimeMillis
    const plan = startPlan(at, now)
    switch (plan._tag) {
      case "TooFar":
        return yield* failWith(`error: --start-at ${text} is ${(plan.aheadMs / 3_600_000).toFixed(1)} h away; at most ${MAX_START_AHEAD_MS / 3_600_000} h ahead`)
      case "Late":
        yield* Console.error(`--start-at ${text} passed ${(plan.lateMs / 1000).toFixed(1)} s ago: starting as soon as ready, that much later than the other shards`)
        // As without --start-at: the runner's own epoch, once its threads are ready.
        return undefined
      case "Wait":
        yield* Console.error(`--start-at ${text}: the first client starts in ${(plan.waitMs / 1000).toFixed(1)} s`)
        return performance.now() + plan.waitMs
    }
  })

const writeShardFile = (path: string, text: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(path, text).pipe(Effect.catchAll((error) => failWith(`error: cannot write the shard file ${path}: ${describePlatformError(error)}`)))
  })

/** A shard's own output: its share's totals, and where its figures went; the verdict is merge's. */
const printShare = (result: ScenarioRunResult, spec: ShardSpec, share: ReadonlyArray<number>, path: string, json: boolean) => {
  const s = result.scenario
  if (json) {
    return Console.log(JSON.stringify({ shard: spec, out: path, clientIndices: share, scenario: s.name ?? null, url: s.url, transport: s.transport, durationMs: Math.round(result.durationMs), ...result.aggregate, rtspMs: result.rtspMs }))
  }
  const clients = share.length <= 5 ? `clients ${clientList(share)}` : `${share.length} clients (${clientList(share, 3)})`
  return Console.log(
    [
      `${s.name ?? "load"} ${shardLabel(spec)}: ${s.url}  ${s.dialect}/${s.transport}  ${clients} of ${s.clients}  ${(result.durationMs / 1000).toFixed(1)} s`,
      table(aggregateRows(result.aggregate, result.rtspMs)),
      "",
      `figures written to ${path}; rtsp-harness merge judges the expectations on the whole run`
    ].join("\n")
  )
}
