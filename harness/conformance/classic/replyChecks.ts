/**
 * The replies judged the way the lab client reads them (labClient.ts): by position. Two checks, so
 * that one fault is named once: `reply-layout` is where things are (status line, CSeq line, the
 * Session line on line 3 when there is one, one reply per request in one read), `session-id` is
 * whether the Session is there at all, readable by int(), and the same throughout.
 */
import { isClassicSessionId } from "../../../src/protocol/rtsp/classic.js"
import { fail, type Outcome, pass } from "../types.js"
import { CLIENT_REPLY_READ_BYTES } from "./catalog.js"
import { findSessionLine, labClientReads, replyLines, showReply } from "./labClient.js"
import type { RawReply } from "./labConnection.js"
import type { ExchangeRecord } from "./sessionRecord.js"

/** The first few problems, and how many more there were. */
export const firstOf = (items: ReadonlyArray<string>, max = 3): string =>
  items.length <= max ? items.join("; ") : `${items.slice(0, max).join("; ")}; and ${items.length - max} more`

const answered = (exchanges: ReadonlyArray<ExchangeRecord>): ReadonlyArray<ExchangeRecord & { readonly reply: RawReply }> =>
  exchanges.flatMap((e) => (e.reply === undefined ? [] : [{ ...e, reply: e.reply }]))

const STATUS_LINE = /^RTSP\/1\.0 \d{3} \S/
const CSEQ_LINE = /^CSeq: \d+$/
const SESSION_LINE_FORM = /^Session: \S/

/** What is out of place in one reply, each said as the lab client would trip on it. */
export const layoutProblems = (exchange: ExchangeRecord & { readonly reply: RawReply }): ReadonlyArray<string> => {
  const { reply, step, cseq } = exchange
  const lines = replyLines(reply.text)
  const problems: Array<string> = []
  const line1 = lines[0] ?? ""
  const line2 = lines[1]
  if (!STATUS_LINE.test(line1)) problems.push(`line 1 is ${JSON.stringify(line1)}, not "RTSP/1.0 <code> <reason>"`)
  if (line2 === undefined) problems.push("no line 2 (the client reads the CSeq there)")
  else if (!CSEQ_LINE.test(line2)) problems.push(`line 2 is ${JSON.stringify(line2)}, not "CSeq: ${cseq}"`)
  else if (labClientReads(reply.text).cseq !== cseq) problems.push(`line 2 is ${JSON.stringify(line2)}: the request's CSeq was ${cseq}, so the client ignores the reply`)
  const session = findSessionLine(reply.text)
  if (session !== undefined && session.index !== 2) problems.push(`the Session line is line ${session.index + 1} (the client reads line 3)`)
  else if (session !== undefined && !SESSION_LINE_FORM.test(session.line)) problems.push(`line 3 is ${JSON.stringify(session.line)}, not "Session: <id>" (one space after the colon)`)
  if (reply.bytes > CLIENT_REPLY_READ_BYTES) problems.push(`${reply.bytes} bytes: the client's recv(${CLIENT_REPLY_READ_BYTES}) cuts it`)
  if (reply.pieces > 1) problems.push(`came in ${reply.pieces} reads (write each reply at once: the client parses what one recv() returns)`)
  if (exchange.strayBytesAfter > 0) problems.push(`${exchange.strayBytesAfter} more bytes came after it (one reply per request)`)
  return problems.map((p) => `${step}: ${p}`)
}

export const LAYOUT_EXPECTED =
  `line 1 "RTSP/1.0 200 OK", line 2 "CSeq: <the request's>", line 3 "Session: <id>"; one reply per request, in one read of at most ${CLIENT_REPLY_READ_BYTES} bytes`

export const checkReplyLayout = (exchanges: ReadonlyArray<ExchangeRecord>): Outcome => {
  const replies = answered(exchanges)
  if (replies.length === 0) return fail(LAYOUT_EXPECTED, "no reply to judge")
  const problems = replies.flatMap(layoutProblems)
  const example = `e.g. ${showReply(replies[0]!.reply.text)}`
  if (problems.length > 0) return fail(LAYOUT_EXPECTED, firstOf(problems), example)
  return pass(LAYOUT_EXPECTED, `${replies.length} replies, each in one read; ${example}`)
}

export const SESSION_EXPECTED = "every reply has \"Session: <id>\", a non-zero decimal the client's int() reads (no ;timeout=), the same as SETUP's"

/** The Session value's fault, if it has one. */
const sessionValueProblem = (value: string): string | undefined => {
  if (isClassicSessionId(value)) return undefined
  if (value.includes(";")) return `Session ${JSON.stringify(value)} has parameters: the client's int() fails on them`
  return `Session ${JSON.stringify(value)} is not a non-zero decimal number (the client does int() on it)`
}

export const checkSessionId = (exchanges: ReadonlyArray<ExchangeRecord>): Outcome => {
  const replies = answered(exchanges)
  if (replies.length === 0) return fail(SESSION_EXPECTED, "no reply to judge")
  const problems: Array<string> = []
  let first: { readonly step: string; readonly value: string } | undefined
  for (const { step, reply } of replies) {
    const session = findSessionLine(reply.text)
    if (session === undefined) {
      const line3 = replyLines(reply.text)[2]
      problems.push(`${step} reply has no Session header${line3 === undefined ? "" : ` (the client reads line 3, ${JSON.stringify(line3)}, as the session)`}`)
      continue
    }
    const valueProblem = sessionValueProblem(session.value)
    if (valueProblem !== undefined) problems.push(`${step}: ${valueProblem}`)
    else if (first === undefined) first = { step, value: session.value }
    else if (session.value !== first.value) problems.push(`${step} reply has Session ${session.value}, ${first.step}'s had ${first.value} (the client ignores a reply for another session)`)
  }
  if (problems.length > 0) return fail(SESSION_EXPECTED, firstOf(problems))
  return pass(SESSION_EXPECTED, `Session ${first?.value ?? "?"} on all ${replies.length} replies`)
}
