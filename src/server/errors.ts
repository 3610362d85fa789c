/**
 * Errors a request handler can fail with, each carrying the RTSP status it
 * is answered with. Mapping to a response happens in one place (the
 * connection's reply writer).
 */
import { Data } from "effect"

export class RtspRequestError extends Data.TaggedError("RtspRequestError")<{
  readonly status: number
  readonly message: string
  /** Extra headers for the answer (Allow, Unsupported, ...). */
  readonly headers?: ReadonlyArray<readonly [string, string]>
}> {}

export const badRequest = (message: string) => new RtspRequestError({ status: 400, message })
export const notFound = (message: string) => new RtspRequestError({ status: 404, message })
export const sessionNotFound = (id: string) =>
  new RtspRequestError({ status: 454, message: `session ${id} not found on this connection` })

export class ServerStartError extends Data.TaggedError("ServerStartError")<{
  readonly reason: "Listen" | "RtpPorts"
  readonly message: string
  readonly cause?: unknown
}> {}
