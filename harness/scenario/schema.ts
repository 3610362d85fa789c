/**
 * The scenario file format, as an Effect Schema.
 *
 * URL: always an `rtsp://host[:port]/path` URL. For the classic dialect the
 * client connects to host:port and sends the last path part as the bare file
 * target (`rtsp://127.0.0.1:8554/movie.Mjpeg` -> `SETUP movie.Mjpeg RTSP/1.0`),
 * so the path must be a single file name. The classic dialect is RTP over UDP
 * only, as in the original lab client.
 *
 * Play range: `{ "start": 5, "end": 10 }` in seconds of normal play time
 * (npt); `end` is optional (`npt=5-`).
 *
 * Durations (`wait`, `rampUp`) are strings such as "2s" and decode to
 * milliseconds.
 */
import { Either, Schema } from "effect"
import { DIALECTS, TRANSPORT_KINDS } from "../../src/protocol/rtsp/vocabulary.js"
import { askedImpairment, impairmentParameters, NO_IMPAIRMENT_ASKED } from "../impair/impairQuery.js"
import { DurationFromString } from "./duration.js"

const RTSP_URL = /^rtsps?:\/\/[^\s/?#]+(?:\/[^\s]*)?$/i

const isRtspUrl = (text: string): boolean => {
  if (!RTSP_URL.test(text)) return false
  try {
    const url = new URL(text)
    return url.hostname !== ""
  } catch {
    return false
  }
}

export const RtspUrl = Schema.String.pipe(
  Schema.filter((text) => isRtspUrl(text) || `expected an rtsp:// URL such as "rtsp://127.0.0.1:8554/movie.Mjpeg", got ${JSON.stringify(text)}`)
).annotations({ identifier: "RtspUrl" })

/** One of a few words, with a single message naming them all (a Literal union reports each member). */
const oneOf = <const Choices extends ReadonlyArray<string>>(...choices: Choices) =>
  Schema.String.pipe(
    Schema.filter((text): text is Choices[number] => choices.includes(text), {
      message: (issue) =>
        `expected ${choices.map((c) => JSON.stringify(c)).join(" or ")}, got ${JSON.stringify(issue.actual)}`
    })
  )

export const Transport = oneOf(...TRANSPORT_KINDS)
export const Dialect = oneOf(...DIALECTS)

/** RTSP method token (RFC 2326 token; upper case by convention). */
const isMethod = (text: string): boolean => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(text)

export const Method = Schema.String.pipe(
  Schema.filter((text) => isMethod(text) || `expected an RTSP method name such as "OPTIONS", got ${JSON.stringify(text)}`)
)

export const StatusCode = Schema.Number.pipe(
  Schema.filter((n) => (Number.isInteger(n) && n >= 100 && n <= 599) || `expected a status code, an integer from 100 to 599, got ${n}`)
)

const NonNegative = (what: string) =>
  Schema.Number.pipe(Schema.filter((n) => (Number.isFinite(n) && n >= 0) || `expected ${what}, a number >= 0, got ${n}`))

const NonNegativeInt = (what: string) =>
  Schema.Number.pipe(Schema.filter((n) => (Number.isSafeInteger(n) && n >= 0) || `expected ${what}, a whole number >= 0, got ${n}`))

export const PlayRange = Schema.Struct({
  start: NonNegative("a start time in seconds"),
  end: Schema.optionalWith(NonNegative("an end time in seconds"), { exact: true })
}).pipe(
  Schema.filter((range) =>
    range.end === undefined || range.end > range.start
      ? undefined
      : { path: ["end"], message: `end (${range.end}) must be after start (${range.start})` }
  )
)

export const OptionsStep = Schema.Struct({ step: Schema.Literal("options") })
export const DescribeStep = Schema.Struct({ step: Schema.Literal("describe") })
export const SetupStep = Schema.Struct({ step: Schema.Literal("setup") })
export const PlayStep = Schema.Struct({ step: Schema.Literal("play"), range: Schema.optionalWith(PlayRange, { exact: true }) })
export const PauseStep = Schema.Struct({ step: Schema.Literal("pause") })
export const WaitStep = Schema.Struct({ step: Schema.Literal("wait"), duration: DurationFromString })
export const TeardownStep = Schema.Struct({ step: Schema.Literal("teardown") })
export const RawRequest = Schema.Struct({
  method: Method,
  uri: Schema.optionalWith(Schema.String, { exact: true }),
  headers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { exact: true }),
  version: Schema.optionalWith(Schema.String, { exact: true })
})
/** Sends a raw request (defaults filled in by the runner) and checks the reply's status. */
export const ExpectStatusStep = Schema.Struct({
  step: Schema.Literal("expect-status"),
  request: RawRequest,
  status: StatusCode
})

export const Step = Schema.Union(
  OptionsStep,
  DescribeStep,
  SetupStep,
  PlayStep,
  PauseStep,
  WaitStep,
  TeardownStep,
  ExpectStatusStep
)
export type Step = typeof Step.Type
export type StepKind = Step["step"]

export const FrameBounds = Schema.Struct({
  min: Schema.optionalWith(NonNegativeInt("a frame count"), { exact: true }),
  max: Schema.optionalWith(NonNegativeInt("a frame count"), { exact: true })
}).pipe(
  Schema.filter((frames) =>
    frames.min === undefined || frames.max === undefined || frames.min <= frames.max
      ? undefined
      : `min (${frames.min}) is greater than max (${frames.max})`
  )
)

/**
 * Recovery: whenever the frame rate over the last second falls below `fpsMin` while playing, it
 * is back to at least `fpsMin` within `within` (e.g. "2s"); see harness/metrics/recovery.ts.
 */
export const Recovery = Schema.Struct({
  fpsMin: NonNegative("frames per second"),
  within: DurationFromString
})
export interface Recovery extends Schema.Schema.Type<typeof Recovery> {}

/**
 * What must hold for the run to pass. Rates, loss, jitter, startup, frame
 * counts and recovery apply to each client on its own; statuses to every reply to that method.
 */
export const Expectations = Schema.Struct({
  fpsMin: Schema.optionalWith(NonNegative("frames per second"), { exact: true }),
  lossMaxPct: Schema.optionalWith(
    Schema.Number.pipe(Schema.filter((n) => (n >= 0 && n <= 100) || `expected a percentage from 0 to 100, got ${n}`))
  , { exact: true }),
  jitterMaxMs: Schema.optionalWith(NonNegative("milliseconds"), { exact: true }),
  startupMaxMs: Schema.optionalWith(NonNegative("milliseconds"), { exact: true }),
  frames: Schema.optionalWith(FrameBounds, { exact: true }),
  recovery: Schema.optionalWith(Recovery, { exact: true }),
  /** Every reply to this method during the run must carry this status. */
  statuses: Schema.optionalWith(
    Schema.Record({ key: Schema.String, value: StatusCode }).pipe(
      Schema.filter((statuses) =>
        Object.keys(statuses)
          .filter((method) => !isMethod(method))
          .map((method) => ({ path: [method], message: `${JSON.stringify(method)} is not an RTSP method name` }))
      )
    ),
    { exact: true }
  )
})
export interface Expectations extends Schema.Schema.Type<typeof Expectations> {}

/** What `rtsp-harness play --impair` takes: a profile name, knobs (`loss=2%&seed=7`), or "none". */
export const ImpairmentText = Schema.String.pipe(
  Schema.filter((text) => {
    if (askedImpairment(text) === undefined) return text.trim() === NO_IMPAIRMENT_ASKED || `expected a profile name, knobs such as "loss=2%&seed=7", or "${NO_IMPAIRMENT_ASKED}"`
    return Either.match(impairmentParameters(text), { onLeft: (problem) => problem, onRight: () => true })
  })
)

/** One impairment for every client, or one per client: client i takes entry i modulo the list's length. */
export const Impairments = Schema.Union(ImpairmentText, Schema.NonEmptyArray(ImpairmentText))

/** The impairment client `index` asks for, if one. */
export const impairmentOfClient = (impair: typeof Impairments.Type | undefined, index: number): string | undefined =>
  askedImpairment(typeof impair === "string" || impair === undefined ? impair : impair[index % impair.length])

export const MAX_CLIENTS = 5000

const Clients = Schema.Number.pipe(
  Schema.filter((n) =>
    (Number.isInteger(n) && n >= 1 && n <= MAX_CLIENTS) || `expected a whole number of clients from 1 to ${MAX_CLIENTS}, got ${n}`
  )
)

const NonEmptySteps = Schema.Array(Step).pipe(
  Schema.filter((steps) => steps.length > 0 || "expected at least one step")
)

/** Which step kinds need a session made by an earlier setup. */
const NEEDS_SESSION: ReadonlySet<StepKind> = new Set(["play", "pause", "teardown"])

interface ScenarioIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/** Rules that span fields; each reported with the path of the offending part. */
const crossFieldIssues = (scenario: ScenarioFields): ReadonlyArray<ScenarioIssue> => {
  const issues: Array<ScenarioIssue> = []
  let sessionFrom: number | undefined
  let endedAt: number | undefined
  scenario.steps.forEach((step, index) => {
    if (step.step === "setup") {
      sessionFrom = index
      endedAt = undefined
    } else if (NEEDS_SESSION.has(step.step) && sessionFrom === undefined) {
      issues.push({
        path: ["steps", index, "step"],
        message: endedAt === undefined
          ? `${step.step} needs a setup step before it`
          : `${step.step} needs a setup step before it (the session ended with the teardown at steps[${endedAt}])`
      })
    }
    if (step.step === "teardown" && sessionFrom !== undefined) {
      sessionFrom = undefined
      endedAt = index
    }
  })
  if (scenario.dialect === "classic") {
    if (scenario.impair !== undefined) {
      issues.push({ path: ["impair"], message: `the classic dialect's requests carry no query to ask for an impairment: use the standard dialect` })
    }
    if (scenario.transport !== "udp") {
      issues.push({ path: ["transport"], message: `the classic dialect sends RTP over UDP only, not ${scenario.transport}` })
    }
    if (scenario.tracks !== undefined && scenario.tracks !== "video") {
      issues.push({ path: ["tracks"], message: `the classic dialect has one track and no SDP to choose from: leave tracks out` })
    }
    const path = safePathname(scenario.url)
    if (path !== undefined && !/^\/[^/]+$/.test(path)) {
      issues.push({ path: ["url"], message: `the classic dialect needs a URL whose path is a single file name, e.g. rtsp://127.0.0.1:8554/movie.Mjpeg` })
    }
  }
  return issues
}

const safePathname = (text: string): string | undefined => {
  try {
    return new URL(text).pathname
  } catch {
    return undefined
  }
}

const ScenarioFields = Schema.Struct({
  name: Schema.optionalWith(Schema.String, { exact: true }),
  description: Schema.optionalWith(Schema.String, { exact: true }),
  url: RtspUrl,
  transport: Schema.optionalWith(Transport, { exact: true, default: () => "udp" as const }),
  dialect: Schema.optionalWith(Dialect, { exact: true, default: () => "standard" as const }),
  /** Which tracks of the SDP each client sets up: "video" (the default), "audio", "all", or one track's a=control. */
  tracks: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }),
  clients: Schema.optionalWith(Clients, { exact: true, default: () => 1 }),
  /** Time over which the clients are started, evenly spread. Milliseconds once decoded. */
  rampUp: Schema.optionalWith(DurationFromString, { exact: true, default: () => 0 }),
  steps: NonEmptySteps,
  /** Impairments the server applies to the clients' sessions (issue 13), added to the URL's query. */
  impair: Schema.optionalWith(Impairments, { exact: true }),
  expect: Schema.optionalWith(Expectations, { exact: true })
})
type ScenarioFields = typeof ScenarioFields.Type

export const Scenario = ScenarioFields.pipe(
  Schema.filter((scenario) => crossFieldIssues(scenario))
).annotations({ identifier: "Scenario" })
export interface Scenario extends Schema.Schema.Type<typeof Scenario> {}
export type ScenarioEncoded = Schema.Schema.Encoded<typeof Scenario>
