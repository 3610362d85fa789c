/**
 * The harness client's one error, and how it is built: the connection failed, timed out or
 * closed, the server said something we cannot read (Protocol), or answered a non-2xx (Status).
 */
import { Data } from "effect"

export class RtspClientError extends Data.TaggedError("RtspClientError")<{
  readonly reason: "Connect" | "Timeout" | "Closed" | "Protocol" | "Status"
  readonly method?: string
  readonly status?: number
  readonly message: string
}> {}

/** The reply was not 2xx. */
export const statusError = (method: string, reply: { readonly status: number; readonly reason: string }): RtspClientError =>
  new RtspClientError({ reason: "Status", method, status: reply.status, message: `${method} answered ${reply.status} ${reply.reason}` })

/** The reply (or the data on the connection) does not follow the protocol. */
export const protocolError = (method: string, message: string): RtspClientError => new RtspClientError({ reason: "Protocol", method, message })
