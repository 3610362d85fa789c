/**
 * `rtsp-harness conformance <url>`: the suite of named checks (harness/conformance) against any
 * server, each PASS/FAIL/SKIP with expected vs actual. Exit status 0 only if no check failed;
 * a server that cannot be reached is one clear line.
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { CliExit } from "../../src/common/cliExit.js"
import { formatConformanceTable, runConformance } from "../conformance/index.js"
import { credentialOptions, credentialsFrom, durationOption, jsonOption, timeoutOption, transportOption, urlArg } from "./shared.js"

const waitForEnd = Options.boolean("wait-for-end").pipe(
  Options.withDescription("Also play to the end of the media to check the end-of-stream RTCP BYE (seeks close to the end first)")
)

export const conformanceCommand = Command.make(
  "conformance",
  {
    url: urlArg,
    transport: transportOption,
    play: durationOption("play", "2s", "How long to watch the stream for the RTP/RTCP checks"),
    waitForEnd,
    json: jsonOption,
    timeout: timeoutOption,
    ...credentialOptions
  },
  (options) =>
    Effect.gen(function* () {
      const report = yield* runConformance(options.url, {
        transport: options.transport,
        timeoutMs: options.timeout,
        playSeconds: options.play / 1000,
        waitForEnd: options.waitForEnd,
        ...credentialsFrom(options)
      })
      const connect = report.checks[0]
      if (options.json) yield* Console.log(JSON.stringify(report))
      else if (connect?.id === "connect" && connect.status === "FAIL") yield* Console.error(`error: ${connect.actual}`)
      else yield* Console.log(formatConformanceTable(report))
      if (!report.ok) return yield* new CliExit({ code: 1 })
    })
).pipe(Command.withDescription("Check any RTSP server against RFC 2326/3550/2435 behaviour: named checks, each PASS/FAIL/SKIP with expected vs actual"))
