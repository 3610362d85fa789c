/**
 * One check per step of the session: its reply's status (read leniently: the layout has its own
 * check) and what the flow did around it. Pure: a SessionRecord and its Segments in, Outcomes out.
 */
import { fail, type Outcome, pass } from "../types.js"
import { STOP_GRACE_MS, STOP_OBSERVE_MS } from "./catalog.js"
import { replyLines, replyStatus } from "./labClient.js"
import type { Datagram } from "./rtpCapture.js"
import { type Segments, seqOf } from "./segments.js"
import { exchangeOf, type SessionRecord, type Step } from "./sessionRecord.js"

const ms = (n: number): string => `${Math.max(0, Math.round(n))} ms`
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`

/** Why the step has no usable reply, or undefined when it was answered 200. */
export const statusProblem = (record: SessionRecord, step: Step): string | undefined => {
  const exchange = exchangeOf(record, step)
  if (exchange === undefined) {
    const stopped = record.exchanges.find((e) => e.failure !== undefined)
    return stopped === undefined ? "not sent" : `not sent: ${stopped.step} got no reply (${stopped.failure})`
  }
  if (exchange.reply === undefined) return exchange.failure ?? "no reply"
  const status = replyStatus(exchange.reply.text)
  if (status === 200) return undefined
  return status === undefined
    ? `no status code in the reply's first line ${JSON.stringify(replyLines(exchange.reply.text)[0] ?? "")}`
    : `answered ${replyLines(exchange.reply.text)[0]?.trim()}`
}

const answeredIn = (record: SessionRecord, step: Step): string => {
  const reply = exchangeOf(record, step)?.reply
  return reply === undefined ? "" : ` in ${ms(reply.answeredAtMs - reply.sentAtMs)}`
}

const seqRange = (datagrams: ReadonlyArray<Datagram>): string => {
  const first = seqOf(datagrams[0]!)
  const last = seqOf(datagrams[datagrams.length - 1]!)
  return first === last ? `seq ${first ?? "?"}` : `seq ${first ?? "?"}..${last ?? "?"}`
}

export const checkSetup = (record: SessionRecord): Outcome => {
  const sent = exchangeOf(record, "SETUP")?.request
  const expected = `200 to ${sent === undefined ? "the lab client's SETUP" : JSON.stringify(sent)} (no final blank line, as the lab client sends it)`
  const problem = statusProblem(record, "SETUP")
  if (problem === undefined) return pass(expected, `200${answeredIn(record, "SETUP")}`)
  const noReply = exchangeOf(record, "SETUP")?.reply === undefined
  return noReply
    ? fail(expected, problem, "The lab client sends no blank line after its last header: frame a request when the line goes idle (or read it with one recv), not by waiting for \"\\r\\n\\r\\n\".")
    : fail(expected, problem)
}

export const checkPlay = (record: SessionRecord, segments: Segments, timeoutMs: number): Outcome => {
  const expected = "200, then RTP at the client_port (none before PLAY)"
  const problem = statusProblem(record, "PLAY")
  if (problem !== undefined) return fail(expected, problem)
  if (segments.beforePlay.length > 0) return fail(expected, `${plural(segments.beforePlay.length, "datagram")} came between SETUP and PLAY: stream only after PLAY`)
  const first = segments.firstPlay[0]
  const reply = exchangeOf(record, "PLAY")?.reply
  if (first === undefined || reply === undefined) return fail(expected, `200, but no RTP datagram at port ${record.rtpPort} in ${timeoutMs} ms`)
  return pass(expected, `200; first datagram ${ms(first.arrivalMs - reply.answeredAtMs)} after the reply`)
}

const STOP_WINDOW = `no datagram later than ${STOP_GRACE_MS} ms after the reply (watched ${STOP_OBSERVE_MS} ms)`

export const checkPauseStops = (record: SessionRecord, segments: Segments): Outcome => {
  const expected = `PAUSE answered 200; ${STOP_WINDOW}`
  const problem = statusProblem(record, "PAUSE")
  if (problem !== undefined) return fail(expected, problem)
  if (segments.firstPlay.length === 0) return fail(expected, "cannot tell: no RTP flowed before PAUSE")
  const answeredAt = exchangeOf(record, "PAUSE")?.reply?.answeredAtMs ?? 0
  if (segments.paused.length > 0) {
    const last = segments.paused[segments.paused.length - 1]!
    return fail(expected, `${plural(segments.paused.length, "datagram")} (${seqRange(segments.paused)}) up to ${ms(last.arrivalMs - answeredAt)} after the PAUSE reply`)
  }
  const inFlight = segments.firstPlay.filter((d) => d.arrivalMs > answeredAt).length
  return pass(expected, `200; ${inFlight === 0 ? "no datagram after the reply" : `${plural(inFlight, "datagram")} in flight within the grace, none after`}`)
}

export const checkResume = (record: SessionRecord, segments: Segments, timeoutMs: number): Outcome => {
  const expected = "200, then RTP again"
  const problem = statusProblem(record, "PLAY after PAUSE")
  if (problem !== undefined) return fail(expected, problem)
  const first = segments.resumed[0]
  const reply = exchangeOf(record, "PLAY after PAUSE")?.reply
  if (first === undefined || reply === undefined) return fail(expected, `200, but no RTP datagram in ${timeoutMs} ms`)
  return pass(expected, `200; first datagram ${ms(first.arrivalMs - reply.answeredAtMs)} after the reply`)
}

export const checkTeardown = (record: SessionRecord, segments: Segments): Outcome => {
  const expected = `TEARDOWN answered 200; ${STOP_WINDOW}; the connection left open (the client closes it)`
  const problem = statusProblem(record, "TEARDOWN")
  if (problem !== undefined) return fail(expected, problem)
  if (segments.firstPlay.length === 0 && segments.resumed.length === 0) return fail(expected, "cannot tell: no RTP flowed in the session")
  const answeredAt = exchangeOf(record, "TEARDOWN")?.reply?.answeredAtMs ?? 0
  const problems: Array<string> = []
  if (segments.afterTeardown.length > 0) {
    const last = segments.afterTeardown[segments.afterTeardown.length - 1]!
    problems.push(`${plural(segments.afterTeardown.length, "datagram")} (${seqRange(segments.afterTeardown)}) up to ${ms(last.arrivalMs - answeredAt)} after the TEARDOWN reply`)
  }
  if (record.closedByServerAtMs !== undefined) problems.push(`the server closed the connection ${ms(record.closedByServerAtMs - answeredAt)} after the TEARDOWN reply`)
  if (problems.length > 0) return fail(expected, problems.join("; "))
  return pass(expected, "200; the flow stopped and the connection stayed open")
}
