/**
 * The end of `run` and `load`: the table (or one JSON object) with the server's records beside
 * the harness's figures when it offered them, the HTML report when asked, and the exit status:
 * 0 only if every expectation held.
 */
import { Console, Effect, Option } from "effect"
import { CliExit } from "../../src/common/cliExit.js"
import { maskCommandLine, maskCredentials } from "../client/credentials.js"
import { writeHtmlReport } from "../report/html.js"
import { reportInputOf } from "../run/reportInput.js"
import type { ScenarioRunResult } from "../run/runScenario.js"
import { impairmentCheckJson } from "../impair/recordJson.js"
import { aggregateRows, checkLines, table } from "./render.js"
import { runServerRecordRows, worthShowing } from "./serverRecordRows.js"

/**
 * Each session's record beside the harness's figures, by client (sessions that reached their end
 * and asked for an impairment or got one): a plain run's JSON stays as it was.
 */
const serverRecordsJson = (result: ScenarioRunResult) =>
  result.clients.flatMap((client) =>
    (client.impairmentChecks ?? []).filter(worthShowing).map((check) => ({ client: client.index, ...impairmentCheckJson(check) })))

export const runJson = (result: ScenarioRunResult) => {
  const serverRecords = serverRecordsJson(result)
  return {
    scenario: result.scenario.name ?? null,
    url: maskCredentials(result.scenario.url),
    transport: result.scenario.transport,
    dialect: result.scenario.dialect,
    ok: result.ok,
    durationMs: Math.round(result.durationMs),
    ...result.aggregate,
    rtspMs: result.rtspMs,
    ...(serverRecords.length === 0 ? {} : { serverRecords }),
    checks: result.checks
  }
}

export const finishRun = (
  result: ScenarioRunResult,
  options: { readonly json: boolean; readonly report: Option.Option<string>; readonly command: string }
) =>
  Effect.gen(function* () {
    if (Option.isSome(options.report)) yield* writeHtmlReport(options.report.value, reportInputOf(result, options.command))
    if (options.json) yield* Console.log(JSON.stringify(runJson(result)))
    else {
      const s = result.scenario
      yield* Console.log(`${s.name ?? "run"}: ${s.url}  ${s.dialect}/${s.transport}  ${s.clients} client${s.clients === 1 ? "" : "s"}  ${(result.durationMs / 1000).toFixed(1)} s`)
      yield* Console.log(table([...aggregateRows(result.aggregate, result.rtspMs), ...runServerRecordRows(result.clients)]))
      yield* Console.log("")
      yield* Console.log(checkLines(result.checks))
      const failed = result.checks.filter((c) => !c.ok).length
      yield* Console.log(failed === 0 ? "\nall expectations held" : `\n${failed} of ${result.checks.length} expectations failed`)
      if (Option.isSome(options.report)) yield* Console.log(`report: ${options.report.value}`)
    }
    if (!result.ok) return yield* new CliExit({ code: 1 })
  })

/** The command line as typed, for the report. */
export const commandLine = (): string => maskCommandLine(["rtsp-harness", ...process.argv.slice(2)])
