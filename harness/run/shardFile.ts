/**
 * The shard file: what `load --shard I/N --out FILE` writes and `merge` reads back, version 1.
 * JSON, validated with Schema on reading; every problem names the file and the path in it.
 *
 * What a shard carries is what merge needs to give the figures of one run of all the clients:
 * - per client (O(clients), exact): its verdict, its session figures (SessionMetrics without
 *   the per-method reply times, which come back from its requests), its packets expected, its
 *   RTSP requests (method, status, reply time), its expect-status steps and, when the scenario
 *   expects a recovery, its frame-rate drops (not the server's records: merge prints none);
 * - per frame (O(frames), as mergeable histograms, logHistogram.ts, within 1 %): every
 *   inter-frame interval of the shard, and for the report's pooled time charts the intervals
 *   and the jitter samples per second of the run;
 * - the clients' own timelines only when the whole run has so few clients
 *   (MAX_INDIVIDUAL_SERIES) that its report draws one line per client.
 * The scenario (URL, durations, expectations, total clients) is in it, so merge can refuse
 * shards of different runs. Times count from the shard's epoch: its client 0's start.
 */
import { Data, Either, ParseResult, Schema } from "effect"
import { LogHistogramSchema, RELATIVE_ERROR } from "../metrics/logHistogram.js"
import { PooledSeriesSchema } from "../metrics/pooledSeries.js"
import { formatIssuePath } from "../scenario/decode.js"
import { parseJsonText } from "../scenario/jsonPosition.js"
import { Scenario, Transport } from "../scenario/schema.js"
import type { RequestRecord } from "../session/types.js"
import { rtspTimings, type SessionMetrics } from "./sessionMetrics.js"

export const SHARD_FORMAT = "rtsp-harness-shard"
export const SHARD_VERSION = 1

const Count = Schema.Number.pipe(Schema.filter((n) => (Number.isSafeInteger(n) && n >= 0) || `expected a whole number >= 0, got ${n}`))
const Positive = Schema.Number.pipe(Schema.filter((n) => (Number.isSafeInteger(n) && n >= 1) || `expected a whole number >= 1, got ${n}`))
const Finite = Schema.Number.pipe(Schema.filter((n) => Number.isFinite(n) || `expected a finite number, got ${n}`))
const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

export const ShardSpecSchema = Schema.Struct({ index: Count, count: Positive }).pipe(
  Schema.filter((s) => s.index < s.count || { path: ["index"], message: `index ${s.index} is not below count ${s.count} (indices are 0-based)` })
)

const PercentileSummarySchema = Schema.Struct({ count: Count, p50: Finite, p95: Finite, p99: Finite, max: Finite })

/**
 * A client's figures as the shard keeps them: SessionMetrics without its reply times (they come
 * back from the requests) and the per-track figures of multi-track sessions, plus the packets
 * expected (for the run's loss).
 */
export const StoredClientMetricsSchema = Schema.Struct({
  transport: Transport,
  fallback: optional(Schema.String),
  multicastGroup: optional(Schema.String),
  framesReceived: Count,
  framesDropped: Count,
  droppedByReason: Schema.Record({ key: Schema.String, value: Count }),
  packetsReceived: Count,
  packetsExpected: Finite,
  // RFC 3550's cumulative loss goes negative with duplicates.
  packetsLost: Finite,
  duplicates: Count,
  reordered: Count,
  strayPackets: Count,
  lossPct: Finite,
  fps: Finite,
  fpsMin1s: optional(Finite),
  jitterMs: Finite,
  startupMs: optional(Finite),
  intervalMs: optional(PercentileSummarySchema),
  bitrateKbps: Finite,
  timestampsConsistent: Schema.Boolean,
  senderReports: Count,
  receiverReportsSent: Count,
  byeReceived: Schema.Boolean
})

export interface StoredClientMetrics extends Schema.Schema.Type<typeof StoredClientMetricsSchema> {}

/**
 * A stored client's SessionMetrics again, its reply times computed from its requests as a run
 * computes them. Also the compile-time check that the file keeps every field SessionMetrics
 * requires.
 */
export const sessionMetricsOf = (stored: StoredClientMetrics, requests: ReadonlyArray<RequestRecord>): SessionMetrics => {
  const { packetsExpected: _forTheRunTotals, ...metrics } = stored
  return { ...metrics, rtspMs: rtspTimings(requests) }
}

const RequestRecordSchema = Schema.Struct({ method: Schema.String, status: Count, elapsedMs: Finite, raw: optional(Schema.Literal(true)) })
const StatusStepSchema = Schema.Struct({ step: Count, method: Schema.String, expected: Count, actual: Count })
const TimelineSchema = Schema.Struct({
  frameArrivalsMs: Schema.Array(Finite),
  jitterSeries: Schema.Array(Schema.Struct({ tMs: Finite, jitterMs: Finite }))
})

/** The recovery expectation's figures (harness/metrics/recovery.ts), for merge to judge it as the run would. */
const RecoveryFiguresSchema = Schema.Struct({
  fpsMin: Finite,
  windowMs: Finite,
  judgedMs: Finite,
  drops: Count,
  longest: optional(Schema.Struct({ fromMs: Finite, untilMs: Finite, ms: Finite, recovered: Schema.Boolean })),
  endMs: optional(Finite)
})

export const ShardClientSchema = Schema.Struct({
  /** The client's index in the whole run (0 … clients-1). */
  index: Count,
  ok: Schema.Boolean,
  failureReason: optional(Schema.String),
  metrics: optional(StoredClientMetricsSchema),
  requests: Schema.Array(RequestRecordSchema),
  statusSteps: Schema.Array(StatusStepSchema),
  recovery: optional(RecoveryFiguresSchema),
  timeline: optional(TimelineSchema)
})
export interface ShardClient extends Schema.Schema.Type<typeof ShardClientSchema> {}

export const ShardFileSchema = Schema.Struct({
  format: Schema.Literal(SHARD_FORMAT),
  version: Schema.Literal(SHARD_VERSION),
  shard: ShardSpecSchema,
  /** The command line that ran the shard. */
  command: Schema.String,
  /** Unix ms of the shard's epoch (its client 0's start). */
  startedAt: Finite,
  durationMs: Finite,
  /** The histograms' stated error; a reader with another mapping refuses the file. */
  histogramRelativeError: Schema.Literal(RELATIVE_ERROR),
  scenario: Scenario,
  clients: Schema.Array(ShardClientSchema),
  /** Every inter-frame interval of the shard's clients. */
  intervalsMs: LogHistogramSchema,
  charts: Schema.Struct({ intervalsMs: PooledSeriesSchema, jitterMs: PooledSeriesSchema })
})
export interface ShardFile extends Schema.Schema.Type<typeof ShardFileSchema> {}

export class ShardFileError extends Data.TaggedError("ShardFileError")<{
  readonly reason: "InvalidJson" | "NotAShardFile" | "OtherVersion" | "InvalidShard"
  readonly source: string
  /** One line per problem: `<source>: <path>: <message>`. */
  readonly message: string
}> {}

/** At most this many problems are listed; a file wrong everywhere is not worth 10,000 lines. */
const MAX_ISSUES = 10

const refuse = (reason: ShardFileError["reason"], source: string, lines: ReadonlyArray<string>): Either.Either<never, ShardFileError> =>
  Either.left(new ShardFileError({ reason, source, message: lines.map((line) => `${source}: ${line}`).join("\n") }))

const decodeValue = Schema.decodeUnknownEither(ShardFileSchema, { errors: "all", onExcessProperty: "error" })

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> => typeof value === "object" && value !== null && !Array.isArray(value)

/** Parses and validates a shard file's text. Never throws, on any input. */
export const decodeShardFile = (jsonText: string, source: string): Either.Either<ShardFile, ShardFileError> => {
  const parsed = parseJsonText(jsonText)
  if (Either.isLeft(parsed)) return refuse("InvalidJson", source, [parsed.left])
  const value = parsed.right
  // The two questions that make every other message moot come first, in words.
  if (!isRecord(value) || value.format !== SHARD_FORMAT) {
    return refuse("NotAShardFile", source, [`not an rtsp-harness shard file (no "format": "${SHARD_FORMAT}"); shard files come from rtsp-harness load --shard I/N --out FILE`])
  }
  if (value.version !== SHARD_VERSION) {
    return refuse("OtherVersion", source, [`version: shard file version ${JSON.stringify(value.version)}; this rtsp-harness reads version ${SHARD_VERSION} (run the shards and merge with the same release)`])
  }
  return Either.mapLeft(decodeValue(value), (error) => {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
    const lines = issues.slice(0, MAX_ISSUES).map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`)
    if (issues.length > MAX_ISSUES) lines.push(`… and ${issues.length - MAX_ISSUES} more problems`)
    return new ShardFileError({ reason: "InvalidShard", source, message: lines.map((line) => `${source}: ${line}`).join("\n") })
  })
}

const encode = Schema.encodeSync(ShardFileSchema)

/** The file's text. */
export const encodeShardFile = (file: ShardFile): string => `${JSON.stringify(encode(file))}\n`
