/**
 * The server's record of what it did to a session, as GET_PARAMETER `impairment-stats` answers
 * it (`text/parameters`, RFC 2326 §12: one `name: value` line each), and read back by the
 * harness to set beside its own figures. Pure.
 */
import { Either } from "effect"
import { DROP_REASONS, type DropReason, emptyRecord, type ImpairmentRecord } from "./packetPlan.js"

/** What the record's profile says for a session without impairment. */
export const NO_IMPAIRMENT = "none"

/** The parameter a client asks for in GET_PARAMETER's body. */
export const IMPAIRMENT_STATS_PARAMETER = "impairment-stats"

export interface ImpairmentStats {
  /** The profile's name, or "inline" for one given knob by knob. */
  readonly profile: string
  readonly seed: number
  readonly record: ImpairmentRecord
}

const round3 = (ms: number): string => (Math.round(ms * 1000) / 1000).toString()

export const formatImpairmentStats = (stats: ImpairmentStats): string => {
  const { record } = stats
  const delay = record.delay
  const lines: Array<readonly [string, string]> = [
    ["profile", stats.profile],
    ["seed", String(stats.seed >>> 0)],
    ["packets", String(record.packets)],
    ...DROP_REASONS.map((reason): readonly [string, string] => [`dropped-${reason}`, String(record.dropped[reason])]),
    ["duplicated", String(record.duplicated)],
    ["reordered", String(record.reordered)],
    ["frames-dropped", String(record.framesDropped)],
    ["frames-broken", String(record.framesBroken)],
    ["seq-resets", String(record.sequenceResets)],
    ["ts-resets", String(record.timestampResets)],
    ["delayed", String(delay.count)],
    ["delay-mean-ms", delay.count === 0 ? "0" : round3(delay.sumMs / delay.count)],
    ["delay-min-ms", delay.count === 0 ? "0" : round3(delay.minMs)],
    ["delay-max-ms", round3(delay.maxMs)],
    ["jitter-ms", round3(record.jitterMs)],
    // Absent before the first packet.
    ...(record.firstSequence < 0
      ? []
      : [["first-seq", String(record.firstSequence)] as const, ["last-seq", String(record.lastSequence)] as const])
  ]
  return lines.map(([name, value]) => `${name}: ${value}\r\n`).join("")
}

/** The text back as figures (delays to the 3 decimals sent); names it does not know are skipped. */
export const parseImpairmentStats = (text: string): Either.Either<ImpairmentStats, string> => {
  const fields = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":")
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const count = (name: string): number | string => {
    const value = fields.get(name)
    const n = value === undefined ? Number.NaN : Number(value)
    return Number.isFinite(n) && n >= 0 ? n : `impairment-stats: ${name} is ${value === undefined ? "missing" : JSON.stringify(value)}`
  }
  const record = emptyRecord()
  // A session the server left alone says only that.
  if (fields.get("profile") === NO_IMPAIRMENT) return Either.right({ profile: NO_IMPAIRMENT, seed: 0, record })
  const numbers: Array<readonly [string, (n: number) => void]> = [
    ["seed", () => {}],
    ["packets", (n) => { record.packets = n }],
    ...DROP_REASONS.map((reason: DropReason): readonly [string, (n: number) => void] => [`dropped-${reason}`, (n) => { record.dropped[reason] = n }]),
    ["duplicated", (n) => { record.duplicated = n }],
    ["reordered", (n) => { record.reordered = n }],
    ["frames-dropped", (n) => { record.framesDropped = n }],
    ["frames-broken", (n) => { record.framesBroken = n }],
    ["seq-resets", (n) => { record.sequenceResets = n }],
    ["ts-resets", (n) => { record.timestampResets = n }],
    ["delayed", (n) => { record.delay.count = n }],
    ["delay-mean-ms", (n) => { record.delay.sumMs = n * record.delay.count }],
    ["delay-min-ms", (n) => { record.delay.minMs = record.delay.count === 0 ? Number.POSITIVE_INFINITY : n }],
    ["delay-max-ms", (n) => { record.delay.maxMs = n }],
    ["jitter-ms", (n) => { record.jitterMs = n }]
  ]
  for (const [name, assign] of numbers) {
    const n = count(name)
    if (typeof n === "string") return Either.left(n)
    assign(n)
  }
  if (fields.has("first-seq") || fields.has("last-seq")) {
    const first = count("first-seq")
    const last = count("last-seq")
    if (typeof first === "string") return Either.left(first)
    if (typeof last === "string") return Either.left(last)
    record.firstSequence = first
    record.lastSequence = last
  }
  const profile = fields.get("profile")
  if (profile === undefined || profile === "") return Either.left("impairment-stats: profile is missing")
  return Either.right({ profile, seed: Number(fields.get("seed")) >>> 0, record })
}
