/**
 * `rtsp-harness conformance <url>`: the suite of named checks (harness/conformance) against any
 * server, each PASS/FAIL/SKIP with expected vs actual. Exit status 0 only if no check failed;
 * a server that cannot be reached is one clear line.
 *
 * `--dialect classic` grades a Kurose–Ross lab server instead (harness/conformance/classic): a
 * score, a table, `--json`, `--report FILE.html`, and `--targets FILE` for a batch of them; exit
 * status 0 only when every server got full score.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { CliExit } from "../../src/common/cliExit.js"
import {
  type ClassicBatchReport,
  formatBatchTable,
  formatClassicGrade,
  formatConformanceTable,
  gradeTargets,
  parseTargets,
  runConformance,
  writeClassicHtml
} from "../conformance/index.js"
import { commandLine } from "./finishRun.js"
import { credentialOptions, credentialsFrom, durationOption, insecureOption, jsonOption, timeoutOption, transportFor, unicastTransportOption, urlArg } from "./shared.js"

const waitForEnd = Options.boolean("wait-for-end").pipe(
  Options.withDescription("Also play to the end of the media to check the end-of-stream RTCP BYE (seeks close to the end first)")
)

const dialect = Options.choice("dialect", ["standard", "classic"] as const).pipe(
  Options.withDefault("standard" as const),
  Options.withDescription("standard: RFC 2326/3550/2435 checks; classic: grade a Kurose–Ross lab server (Server.py) as its unchanged client sees it, with a score")
)

const report = Options.file("report").pipe(
  Options.optional,
  Options.withDescription("With --dialect classic: also write the grade as a self-contained HTML page to hand back (one section per server)")
)

const targets = Options.fileText("targets").pipe(
  Options.optional,
  Options.withDescription("With --dialect classic: grade every server listed in this file in turn (one rtsp:// URL a line; blank lines and # comments ignored) into one table")
)

const fps = Options.float("fps").pipe(
  Options.optional,
  Options.withDescription("With --dialect classic: the frame rate the pacing is judged against (default 20, the lab's 50 ms a frame)")
)

type ConformanceOptions = Command.Command.ParseConfig<typeof conformanceConfig>

const conformanceConfig = {
  // Optional for --targets; the standard dialect still needs it (said in one line when missing).
  url: Args.optional(urlArg),
  transport: unicastTransportOption,
  insecure: insecureOption,
  play: durationOption("play", "2s", "How long to watch the stream for the RTP/RTCP checks"),
  waitForEnd,
  json: jsonOption,
  timeout: timeoutOption,
  dialect,
  report,
  targets,
  fps,
  staleAfter: Options.float("stale-after").pipe(
    Options.optional,
    Options.withDescription("With --user: seconds to wait for a nonce to expire in the stale-nonce check (longer than the server's nonce lifetime); without it that check is skipped")
  ),
  ...credentialOptions
}

/** One clear line and exit status 1 (as for any usage error): flags that do not go together. */
const usageError = (message: string) => Console.error(`error: ${message}`).pipe(Effect.zipRight(new CliExit({ code: 1 })))

const standardRun = (options: ConformanceOptions, url: string) =>
  Effect.gen(function* () {
    const report = yield* runConformance(url, {
      transport: transportFor(url, options.transport),
      insecure: options.insecure,
      timeoutMs: options.timeout,
      playSeconds: options.play / 1000,
      waitForEnd: options.waitForEnd,
      ...(Option.isSome(options.staleAfter) ? { staleAfterSeconds: options.staleAfter.value } : {}),
      ...credentialsFrom(options)
    })
    const connect = report.checks[0]
    if (options.json) yield* Console.log(JSON.stringify(report))
    else if (connect?.id === "connect" && connect.status === "FAIL") yield* Console.error(`error: ${connect.actual}`)
    else yield* Console.log(formatConformanceTable(report))
    if (!report.ok) return yield* new CliExit({ code: 1 })
  })

/** Prints the grade(s): one server's table (or its one error line), or the batch table; JSON alike. */
const printGrades = (batch: ClassicBatchReport, options: { readonly json: boolean; readonly single: boolean }) =>
  Effect.gen(function* () {
    const only = batch.servers[0]
    if (options.single && only !== undefined) {
      if (options.json) yield* Console.log(JSON.stringify(only))
      else if (only.unreachable !== undefined) yield* Console.error(`error: ${only.unreachable}`)
      else yield* Console.log(formatClassicGrade(only))
      return
    }
    if (options.json) yield* Console.log(JSON.stringify(batch))
    else yield* Console.log(formatBatchTable(batch))
  })

const classicRun = (options: ConformanceOptions) =>
  Effect.gen(function* () {
    if (Option.getOrUndefined(options.transport) === "tcp") return yield* usageError("--transport tcp: the classic dialect sends RTP over UDP only")
    if (options.waitForEnd) return yield* usageError("--wait-for-end is a standard-dialect check (the classic dialect has no RTCP BYE)")
    if (Option.isSome(options.user)) return yield* usageError("--user: the classic dialect has no authentication")
    if (Option.isSome(options.url) === Option.isSome(options.targets)) return yield* usageError("--dialect classic grades either one <url> or the servers of --targets FILE")
    if (Option.isSome(options.fps) && !(options.fps.value > 0)) return yield* usageError(`--fps ${options.fps.value}: a frame rate must be above 0`)
    const urls = Option.match(options.targets, { onNone: () => Option.toArray(options.url), onSome: ([, text]) => parseTargets(text) })
    if (urls.length === 0) return yield* usageError("--targets: the file lists no URL")
    const single = Option.isNone(options.targets)
    const batch = yield* gradeTargets(urls, {
      timeoutMs: options.timeout,
      playSeconds: options.play / 1000,
      ...(Option.isSome(options.fps) ? { fps: options.fps.value } : {}),
      // A batch takes a few seconds a server: say where it is, on stderr so stdout stays the table (or JSON).
      onGraded: (graded, index) =>
        single ? Effect.void : Console.error(`graded ${index + 1}/${urls.length}: ${graded.url} ${graded.score.passed}/${graded.score.total}`)
    })
    if (Option.isSome(options.report)) yield* writeClassicHtml(options.report.value, batch, { command: commandLine(), generatedAt: new Date().toISOString() })
    yield* printGrades(batch, { json: options.json, single })
    if (Option.isSome(options.report) && !options.json) yield* Console.log(`report: ${options.report.value}`)
    if (!batch.ok) return yield* new CliExit({ code: 1 })
  })

export const conformanceCommand = Command.make("conformance", conformanceConfig, (options) =>
  Effect.gen(function* () {
    if (options.dialect === "classic") return yield* classicRun(options)
    const classicOnly = [
      Option.isSome(options.targets) ? "--targets" : undefined,
      Option.isSome(options.report) ? "--report" : undefined,
      Option.isSome(options.fps) ? "--fps" : undefined
    ].filter((flag) => flag !== undefined)
    if (classicOnly.length > 0) return yield* usageError(`${classicOnly.join(", ")}: only with --dialect classic`)
    if (Option.isNone(options.url)) return yield* usageError("a URL is required, e.g. rtsp://127.0.0.1:8554/movie.Mjpeg")
    return yield* standardRun(options, options.url.value)
  })
).pipe(Command.withDescription("Check any RTSP server against RFC 2326/3550/2435 behaviour: named checks, each PASS/FAIL/SKIP with expected vs actual; or, with --dialect classic, grade Kurose–Ross lab servers"))
