/**
 * The server's record beside the harness's figures, as rows of the play and run tables: one
 * session in full (AGREE / DISAGREE per figure), many as counts with the disagreements named.
 * Pure: checks in, rows out.
 */
import { DROP_REASONS, type ImpairmentRecord } from "../../src/impair/packetPlan.js"
import { NO_IMPAIRMENT } from "../../src/impair/impairmentStats.js"
import { type Agreement, type FigureAgreement, totalDropped } from "../impair/agreement.js"
import type { ImpairmentCheck } from "../impair/impairmentCheck.js"
import { fixed } from "./render.js"

type Row = readonly [string, string]

const FIGURES = ["loss", "duplicates", "reordered", "jitter"] as const
type Figure = (typeof FIGURES)[number]

const LABELS: Record<Figure, string> = { loss: "  loss", duplicates: "  duplicates", reordered: "  reordered", jitter: "  jitter (RFC 3550)" }

const verdictWord = (figure: FigureAgreement): string =>
  figure.verdict === "agree" ? "AGREE" : figure.verdict === "disagree" ? "DISAGREE" : `not comparable (${figure.why ?? "see the record"})`

const recordLine = (profile: string, seed: number, record: ImpairmentRecord): string => {
  const reasons = DROP_REASONS.filter((reason) => record.dropped[reason] > 0).map((reason) => `${reason} ${record.dropped[reason]}`)
  const delay = record.delay.count === 0
    ? ""
    : `; delay mean ${fixed(record.delay.sumMs / record.delay.count, 1)} ms, max ${fixed(record.delay.maxMs, 1)} ms`
  return `${profile}, seed ${seed}: ${record.packets} packets, dropped ${totalDropped(record)}${reasons.length === 0 ? "" : ` (${reasons.join(", ")})`}, duplicated ${record.duplicated}, reordered ${record.reordered}${delay}`
}

const figureValue = (name: Figure, figure: FigureAgreement): string =>
  name === "jitter"
    ? `harness ${fixed(figure.harness, 3)} ms  server ${fixed(figure.server, 3)} ms`
    : `harness ${figure.harness}  server ${figure.server}`

const agreementRows = (agreement: Agreement): ReadonlyArray<Row> =>
  FIGURES.map((name) => {
    const figure = agreement[name]
    const tolerance = name === "jitter" ? ` (within ±${agreement.jitter.toleranceMs} ms: ${fixed(agreement.jitter.differenceMs, 3)} ms apart)` : ""
    return [LABELS[name], `${figureValue(name, figure)}  ${verdictWord(figure)}${tolerance}`]
  })

/**
 * Whether a session's check is worth rows: it asked for an impairment, or the server impaired it
 * on its own (`serve --impair`). A plain session on a server without impairments prints as before.
 */
export const worthShowing = (check: ImpairmentCheck): boolean =>
  check.asked !== undefined || (check.serverRecord.offered && check.serverRecord.stats.profile !== NO_IMPAIRMENT)

/** One session's record and agreement. */
export const serverRecordRows = (check: ImpairmentCheck): ReadonlyArray<Row> => {
  if (!worthShowing(check)) return []
  const asked: ReadonlyArray<Row> = check.asked === undefined ? [] : [["impairment asked", check.asked]]
  const serverRecord = check.serverRecord
  if (!serverRecord.offered) return [...asked, ["server record", `not offered (${serverRecord.reason})`]]
  const { profile, seed, record } = serverRecord.stats
  if (profile === NO_IMPAIRMENT) return [...asked, ["server record", "none: the server did not impair this session"]]
  const notes: ReadonlyArray<Row> = [
    ...(check.pauseProblem === undefined ? [] : [["  note", `${check.pauseProblem}: the stream may have gone on`] as const]),
    ...(check.drain === undefined || check.drain.quiet ? [] : [["  note", `packets were still arriving ${fixed(check.drain.waitedMs, 0)} ms after PAUSE`] as const])
  ]
  return [...asked, ["server record", recordLine(profile, seed, record)], ...(check.agreement === undefined ? [] : agreementRows(check.agreement)), ...notes]
}

interface ClientChecks {
  readonly index: number
  readonly impairmentChecks?: ReadonlyArray<ImpairmentCheck>
}

const MAX_NAMED = 3

/** A run's records (of the sessions worth showing): one session in full, more as counts per figure with the first disagreements named. */
export const runServerRecordRows = (clients: ReadonlyArray<ClientChecks>): ReadonlyArray<Row> => {
  const all = clients.flatMap((client) => (client.impairmentChecks ?? []).filter(worthShowing).map((check) => ({ client: client.index, check })))
  if (all.length === 0) return []
  if (all.length === 1) return serverRecordRows(all[0]!.check)
  const compared = all.flatMap(({ client, check }) => (check.agreement === undefined ? [] : [{ client, agreement: check.agreement }]))
  const notOffered = all.filter(({ check }) => !check.serverRecord.offered).length
  const head: Row = ["server records", `${compared.length} of ${all.length} sessions compared${notOffered === 0 ? "" : `, ${notOffered} not offered`}`]
  if (compared.length === 0) return [head]
  return [
    head,
    ...FIGURES.map((name): Row => {
      const agreeing = compared.filter(({ agreement }) => agreement[name].verdict === "agree").length
      const others = compared.filter(({ agreement }) => agreement[name].verdict !== "agree")
      const named = others.slice(0, MAX_NAMED).map(({ client, agreement }) => `client ${client}: ${figureValue(name, agreement[name])}`)
      const tolerance = name === "jitter" ? ` (within ±${compared[0]!.agreement.jitter.toleranceMs} ms)` : ""
      return [LABELS[name], `${agreeing} AGREE${tolerance}${others.length === 0 ? "" : `, ${others.length} DISAGREE or not comparable (${named.join("; ")}${others.length > MAX_NAMED ? "; …" : ""})`}`]
    })
  ]
}
