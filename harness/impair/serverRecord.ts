/**
 * Asking the server what it did to the session: GET_PARAMETER with the body
 * `impairment-stats`, answered in text/parameters (issue 13) and read with the server's own
 * parser. A server without such a record (a 4xx/5xx, another content type, no reply, an
 * unreadable body) simply has none: that is an answer, never a failure of the session.
 */
import { Effect, Either } from "effect"
import { IMPAIRMENT_STATS_PARAMETER, type ImpairmentStats, parseImpairmentStats } from "../../src/impair/impairmentStats.js"
import { getHeader } from "../../src/protocol/rtsp/message.js"
import type { ClientSession } from "../session/types.js"

export const STATS_CONTENT_TYPE = "text/parameters"

export type ServerRecord =
  | { readonly offered: false; readonly reason: string }
  | { readonly offered: true; readonly stats: ImpairmentStats }

const notOffered = (reason: string): ServerRecord => ({ offered: false, reason })

/** The record, or why there is none. Sent as a scripted (raw) request, so a scenario's `statuses` leave it out. */
export const askServerRecord = (session: Pick<ClientSession, "raw">): Effect.Effect<ServerRecord> =>
  session.raw({
    method: "GET_PARAMETER",
    headers: { "Content-Type": STATS_CONTENT_TYPE },
    body: `${IMPAIRMENT_STATS_PARAMETER}\r\n`
  }).pipe(
    Effect.map((reply): ServerRecord => {
      if (reply.status < 200 || reply.status > 299) return notOffered(`GET_PARAMETER ${IMPAIRMENT_STATS_PARAMETER} answered ${reply.status} ${reply.reason}`)
      const contentType = getHeader(reply.headers, "Content-Type")?.split(";")[0]?.trim().toLowerCase()
      if (contentType !== STATS_CONTENT_TYPE) return notOffered(`the reply to GET_PARAMETER ${IMPAIRMENT_STATS_PARAMETER} is ${contentType === undefined ? "without a body type" : contentType}, not ${STATS_CONTENT_TYPE}`)
      return Either.match(parseImpairmentStats(reply.body.toString("utf8")), {
        onLeft: (problem) => notOffered(`unreadable record: ${problem}`),
        onRight: (stats): ServerRecord => ({ offered: true, stats })
      })
    }),
    Effect.catchAll((error) => Effect.succeed(notOffered(`no reply to GET_PARAMETER ${IMPAIRMENT_STATS_PARAMETER}: ${error.message}`)))
  )
