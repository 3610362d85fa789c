/**
 * The Kurose–Ross lab client (Client.py) as far as the grader imitates it, as pure functions: the
 * exact bytes it sends, and what its parseRtspReply reads out of a reply:
 *
 *     lines = data.split('\n')
 *     seqNum = int(lines[1].split(' ')[1])      # must equal the request's CSeq, else ignored
 *     session = int(lines[2].split(' ')[1])     # must equal the SETUP reply's, else ignored
 *     if int(lines[0].split(' ')[1]) == 200: ...
 *
 * Python's `split(' ')` splits at every single space and `int()` tolerates surrounding whitespace
 * (so `\r\n` line ends are fine) but nothing else: `CSeq:1`, two spaces, or `;timeout=60` break it.
 */
import { classicTransport, serializeClassicRequest } from "../../../src/protocol/rtsp/classic.js"

export type LabMethod = "SETUP" | "PLAY" | "PAUSE" | "TEARDOWN"

/** SETUP as the lab client writes it: `\n` line ends, no final blank line, `client_port= N`. */
export const labSetupRequest = (file: string, cseq: number, rtpPort: number): Buffer =>
  serializeClassicRequest("SETUP", file, [["CSeq", String(cseq)], ["Transport", classicTransport(rtpPort)]])

/** PLAY, PAUSE and TEARDOWN as the lab client writes them: CSeq and Session, nothing else. */
export const labSessionRequest = (method: Exclude<LabMethod, "SETUP">, file: string, cseq: number, session: string): Buffer =>
  serializeClassicRequest(method, file, [["CSeq", String(cseq)], ["Session", session]])

const PYTHON_INT = /^[+-]?\d+(?:_\d+)*$/

/** Python's int() on a str: undefined where it raises ValueError. */
export const pythonInt = (text: string): number | undefined => {
  const trimmed = text.trim()
  return PYTHON_INT.test(trimmed) ? Number(trimmed.replace(/_/g, "")) : undefined
}

/** Python's `line.split(' ')[index]`: undefined where it raises IndexError. */
const spaceField = (line: string | undefined, index: number): string | undefined => line?.split(" ")[index]

/** What the lab client reads from a reply; a field it cannot read (the client would raise) is absent. */
export interface LabReading {
  readonly status?: number
  readonly cseq?: number
  readonly session?: number
}

export const labClientReads = (reply: string): LabReading => {
  const lines = reply.split("\n")
  const read = (line: number): number | undefined => {
    const field = spaceField(lines[line], 1)
    return field === undefined ? undefined : pythonInt(field)
  }
  const status = read(0)
  const cseq = read(1)
  const session = read(2)
  return {
    ...(status === undefined ? {} : { status }),
    ...(cseq === undefined ? {} : { cseq }),
    ...(session === undefined ? {} : { session })
  }
}

/** A reply's lines without their `\r` and without the blank lines that end it. */
export const replyLines = (reply: string): ReadonlyArray<string> => {
  const lines = reply.split("\n").map((line) => line.replace(/\r$/, ""))
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop()
  return lines
}

const STATUS_LINE = /^RTSP\/\d\.\d\s+(\d{3})\b/

/** The status code, read leniently (any RTSP/x.y start line): each step's own check needs it even when the layout is wrong. */
export const replyStatus = (reply: string): number | undefined => {
  const first = replyLines(reply).find((line) => line.trim() !== "")
  const match = first === undefined ? null : STATUS_LINE.exec(first.trim())
  return match === null ? undefined : Number(match[1])
}

const SESSION_LINE = /^session\s*:/i

/** The Session header found by name wherever it is: its line index and its value (trimmed). */
export const findSessionLine = (reply: string): { readonly index: number; readonly line: string; readonly value: string } | undefined => {
  const lines = replyLines(reply)
  const index = lines.findIndex((line) => SESSION_LINE.test(line))
  if (index < 0) return undefined
  const line = lines[index]!
  return { index, line, value: line.slice(line.indexOf(":") + 1).trim() }
}

/** A reply shown on one line, its line ends visible (`\r\n` as written). */
export const showReply = (reply: string): string => JSON.stringify(reply)
