/**
 * Every condition a request can be refused for, one error each, named by
 * what went wrong rather than by a status number (as gortsplib's liberrors
 * does). `refusals.ts`, beside the state machine, maps each to its RTSP
 * status code and extra headers; the connection's reply writer is the one
 * place that turns them into a response.
 */
import { Data } from "effect"
import type { RtspParseErrorReason } from "../protocol/rtsp/errors.js"
import type { Dialect, SessionState } from "../protocol/rtsp/vocabulary.js"
import type { SupportedMethod } from "./stateMachine.js"

/** The request could not be parsed (bad start line, header section over the limit, …). */
export class MalformedRequest extends Data.TaggedError("MalformedRequest")<{
  readonly reason: RtspParseErrorReason
  readonly message: string
}> {}

/** No CSeq, or one that is not a decimal number. */
export class InvalidCSeq extends Data.TaggedError("InvalidCSeq")<{ readonly value: string | undefined }> {
  override get message(): string {
    return this.value === undefined ? "request without CSeq" : `CSeq ${JSON.stringify(this.value)} is not a decimal number`
  }
}

/** A header the request needs could not be parsed. */
export class MalformedHeader extends Data.TaggedError("MalformedHeader")<{
  readonly header: "Session" | "Transport" | "Range"
  readonly message: string
}> {}

export class VersionNotSupported extends Data.TaggedError("VersionNotSupported")<{ readonly version: string }> {
  override get message(): string {
    return `${this.version} is not supported; this server speaks RTSP/1.0`
  }
}

export class MethodNotImplemented extends Data.TaggedError("MethodNotImplemented")<{ readonly method: string }> {
  override get message(): string {
    return `method ${this.method} is not implemented`
  }
}

/** A `Require:` option this server does not have. */
export class OptionNotSupported extends Data.TaggedError("OptionNotSupported")<{ readonly option: string }> {
  override get message(): string {
    return `option ${this.option} is not supported`
  }
}

/** The request URI names no media path. */
export class NoMediaPath extends Data.TaggedError("NoMediaPath")<{ readonly uri: string }> {
  override get message(): string {
    return `cannot find a media path in ${JSON.stringify(this.uri)}`
  }
}

export class StreamNotFound extends Data.TaggedError("StreamNotFound")<{ readonly message: string }> {}

/** The file exists but cannot be carried in this dialect (or at all). */
export class MediaNotServable extends Data.TaggedError("MediaNotServable")<{
  readonly message: string
  readonly dialect?: Dialect
}> {}

/** The Session header names no session of this connection. */
export class SessionNotFound extends Data.TaggedError("SessionNotFound")<{ readonly sessionId: string }> {
  override get message(): string {
    return `session ${this.sessionId} not found on this connection`
  }
}

export class MethodNotValidInState extends Data.TaggedError("MethodNotValidInState")<{
  readonly method: SupportedMethod
  readonly state: SessionState
  readonly allowed: ReadonlyArray<SupportedMethod>
}> {
  override get message(): string {
    return `${this.method} is not valid in state ${this.state}`
  }
}

export class UnsupportedTransport extends Data.TaggedError("UnsupportedTransport")<{
  readonly reason: "Missing" | "Unsupported" | "Multicast" | "NoClientPort" | "NoFreeChannel" | "UdpOverTls"
  readonly message: string
}> {}

export class SessionLimitReached extends Data.TaggedError("SessionLimitReached")<{ readonly limit: number }> {
  override get message(): string {
    return `the server is at its limit of ${this.limit} sessions`
  }
}

/** One client address holds as much as it may (sessions), or asks too fast (requests): 503, try again later. */
export class AddressLimitReached extends Data.TaggedError("AddressLimitReached")<{
  readonly kind: "sessions" | "requests"
  readonly limit: number
  readonly address: string
  /** Seconds until asking again can succeed. */
  readonly retryAfterSeconds?: number
}> {
  override get message(): string {
    return this.kind === "sessions"
      ? `${this.address} holds its limit of ${this.limit} session${this.limit === 1 ? "" : "s"}`
      : `${this.address} sends more than ${this.limit} requests a second`
  }
}

/** Frames already go out late on average: a new session would degrade everyone. */
export class ServerSaturated extends Data.TaggedError("ServerSaturated")<{ readonly latenessMs: number }> {
  override get message(): string {
    return `the server is saturated (frames going out ${this.latenessMs.toFixed(0)} ms late on average); try again later`
  }
}

export class UnsupportedRangeUnit extends Data.TaggedError("UnsupportedRangeUnit")<{ readonly unit: string }> {
  override get message(): string {
    return `only npt ranges are supported, not ${this.unit}`
  }
}

export class RangeNotSatisfiable extends Data.TaggedError("RangeNotSatisfiable")<{
  readonly start: number
  readonly durationSeconds: number
  readonly message: string
}> {}

/** ANNOUNCE or RECORD while the server takes no publishers (no --publish). */
export class PublishingDisabled extends Data.TaggedError("PublishingDisabled")<{ readonly method: string }> {
  override get message(): string {
    return `${this.method}: this server takes no publishers (start it with --publish)`
  }
}

/** A publisher from an address outside --publish-from (loopback only by default). */
export class PublishForbidden extends Data.TaggedError("PublishForbidden")<{ readonly address: string; readonly allowed: ReadonlyArray<string> }> {
  override get message(): string {
    return `${this.address} may not publish here (allowed: ${this.allowed.join(", ")}; see --publish-from)`
  }
}

/** An impairment asked for in the URL that is not one: an unknown knob or profile, a value out of range. */
export class BadImpairment extends Data.TaggedError("BadImpairment")<{ readonly message: string }> {}

/** The path already has a publisher, or a file or live channel is served there. */
export class PathInUse extends Data.TaggedError("PathInUse")<{ readonly path: string; readonly message: string }> {}

/** ANNOUNCE whose body is not an SDP we can read, or SETUP/RECORD for a path not announced on this connection. */
export class BadAnnouncement extends Data.TaggedError("BadAnnouncement")<{ readonly message: string }> {}

/** Anything a request handler can refuse with. */
/** The request needs credentials it lacks, or brought ones that failed: 401 with the challenges to answer. */
export class AuthenticationRequired extends Data.TaggedError("AuthenticationRequired")<{
  readonly challenges: ReadonlyArray<string>
  readonly message: string
}> {}

/** Credentials that are good but do not allow this on this path, or a classic client (it cannot log in) off the open paths: 403. */
export class AccessForbidden extends Data.TaggedError("AccessForbidden")<{ readonly message: string }> {}

export type RequestRefusal =
  | AuthenticationRequired
  | AccessForbidden
  | MalformedRequest
  | InvalidCSeq
  | MalformedHeader
  | VersionNotSupported
  | MethodNotImplemented
  | OptionNotSupported
  | NoMediaPath
  | StreamNotFound
  | MediaNotServable
  | SessionNotFound
  | MethodNotValidInState
  | UnsupportedTransport
  | SessionLimitReached
  | ServerSaturated
  | AddressLimitReached
  | UnsupportedRangeUnit
  | RangeNotSatisfiable
  | PublishingDisabled
  | PublishForbidden
  | PathInUse
  | BadAnnouncement
  | BadImpairment

export class ServerStartError extends Data.TaggedError("ServerStartError")<{
  readonly reason: "Listen" | "RtpPorts" | "LiveChannel" | "PublishFrom" | "Publish" | "Multicast" | "Impairment" | "Users" | "Limits" | "Tls"
  readonly message: string
  readonly cause?: unknown
}> {}
