/**
 * Keeping a standard server's session alive: a GET_PARAMETER (or OPTIONS where that is not
 * implemented, RFC 2326 §10.1) at half the timeout the server advertised in SETUP.
 */
import { Duration, Effect } from "effect"
import type { RtspClientError } from "../client/errors.js"
import type { RtspResponseInfo } from "../client/replies.js"

/** RFC 2326 §12.37: the timeout when a server advertises none. */
export const DEFAULT_SESSION_TIMEOUT_S = 60
/** Never more often than this, however short the advertised timeout. */
const MIN_KEEP_ALIVE_MS = 1000

/** Sends one request on the session's control URL (recorded by the caller). */
export type KeepAliveRequest = (method: "GET_PARAMETER" | "OPTIONS") => Effect.Effect<RtspResponseInfo, RtspClientError>

/** Half the session timeout, at least a second. */
export const keepAliveInterval = (timeoutSeconds: number | undefined): Duration.Duration =>
  Duration.millis(Math.max(MIN_KEEP_ALIVE_MS, ((timeoutSeconds ?? DEFAULT_SESSION_TIMEOUT_S) * 1000) / 2))

/** One keep-alive; a refusal or a lost connection is the session's business, not this one's. */
export const keepAliveOnce = (request: KeepAliveRequest): Effect.Effect<void> =>
  Effect.gen(function* () {
    const info = yield* request("GET_PARAMETER")
    // Servers without GET_PARAMETER refresh the session on OPTIONS too (RFC 2326 §10.1).
    if (info.status === 501 || info.status === 405) yield* request("OPTIONS")
  }).pipe(Effect.ignore)

/** A keep-alive every half timeout, forever (the first after one interval). */
export const keepAliveLoop = (request: KeepAliveRequest, timeoutSeconds: number | undefined): Effect.Effect<never> =>
  Effect.sleep(keepAliveInterval(timeoutSeconds)).pipe(Effect.zipRight(keepAliveOnce(request)), Effect.forever)
