/**
 * Pure judgements over what a session received: RTP packets and RTCP compounds with their arrival
 * times in, one Outcome per check out. No sockets, no clock: tested with hand-made vectors.
 */
import type { RtcpPacket } from "../../src/protocol/rtcp.js"
import { JPEG_CLOCK_RATE, ticksPerFrame } from "../../src/protocol/rtpJpeg.js"
import type { RtpInfoEntry } from "../../src/protocol/rtsp/headers/rtp-info.js"
import { stripCredentials } from "../client/credentials.js"
import { fail, type Outcome, pass } from "./types.js"

export interface PacketRecord {
  readonly seq: number
  readonly timestamp: number
  readonly marker: boolean
  readonly ssrc: number
  readonly payloadType: number
  readonly arrivalMs: number
  /** The whole datagram (or interleaved payload), for rebuilding frames. */
  readonly data: Buffer
}

export interface RtcpRecord {
  readonly packets: ReadonlyArray<RtcpPacket>
  readonly arrivalMs: number
}

const seqDelta = (from: number, to: number): number => (to - from) & 0xffff
const tsDelta = (from: number, to: number): number => (to - from) >>> 0
const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`
/** The first few items of a list of problems, and how many more there were. */
const firstOf = (items: ReadonlyArray<string>, max = 3): string =>
  items.length <= max ? items.join("; ") : `${items.slice(0, max).join("; ")}; and ${items.length - max} more`

// ---------------------------------------------------------------------------------------------

export interface HeaderExpectations {
  /** From the SDP's track the session set up. */
  readonly payloadType: number
  /** From SETUP's Transport `ssrc=`, when the server announced one. */
  readonly ssrc?: number
  /** Datagrams that did not decode as RTP (bad version, too short, ...). */
  readonly undecodable: number
  readonly firstUndecodable?: string
}

export const checkRtpHeaders = (packets: ReadonlyArray<PacketRecord>, expect: HeaderExpectations): Outcome => {
  const expected = `V=2, PT=${expect.payloadType}, one SSRC${expect.ssrc === undefined ? "" : ` (${hex(expect.ssrc)}, as SETUP announced)`}`
  const problems: Array<string> = []
  if (expect.undecodable > 0) problems.push(`${plural(expect.undecodable, "datagram")} not RTP${expect.firstUndecodable ? ` (${expect.firstUndecodable})` : ""}`)
  const types = [...new Set(packets.map((p) => p.payloadType))]
  const ssrcs = [...new Set(packets.map((p) => p.ssrc))]
  if (types.some((t) => t !== expect.payloadType)) problems.push(`PT ${types.join(", ")}`)
  if (ssrcs.length > 1) problems.push(`${ssrcs.length} SSRCs: ${ssrcs.map(hex).join(", ")}`)
  if (expect.ssrc !== undefined && ssrcs.length > 0 && ssrcs.some((s) => s !== expect.ssrc)) problems.push(`SSRC ${ssrcs.map(hex).join(", ")}`)
  if (problems.length > 0) return fail(expected, firstOf(problems))
  return pass(expected, `${plural(packets.length, "packet")}: V=2, PT=${types.join(", ")}, SSRC ${ssrcs.map(hex).join(", ")}`)
}

// ---------------------------------------------------------------------------------------------

/** Compares URLs without credentials, case of the scheme/host, or a trailing slash. */
const sameStream = (a: string, b: string): boolean => {
  const norm = (u: string): string => stripCredentials(u.trim()).replace(/\/+$/, "").replace(/^rtsp:\/\/[^/]*/i, (h) => h.toLowerCase())
  const x = norm(a)
  const y = norm(b)
  // A relative url= names the track by its last segments.
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`)
}

export const checkRtpInfo = (
  header: string | undefined,
  entries: ReadonlyArray<RtpInfoEntry> | undefined,
  trackUrl: string,
  first: PacketRecord | undefined
): Outcome => {
  const expected = "RTP-Info url= the track, seq= and rtptime= equal to the first packet's"
  if (header === undefined) return fail(expected, "PLAY reply has no RTP-Info header")
  if (entries === undefined) return fail(expected, `RTP-Info does not parse: ${header}`)
  const entry = entries.find((e) => sameStream(e.url, trackUrl)) ?? (entries.length === 1 ? entries[0] : undefined)
  if (entry === undefined) return fail(expected, `no RTP-Info entry names ${trackUrl}: ${header}`)
  if (first === undefined) return fail(expected, "no RTP packet arrived to compare with")
  const problems: Array<string> = []
  if (!sameStream(entry.url, trackUrl)) problems.push(`url=${entry.url} is not the track ${trackUrl}`)
  if (entry.seq === undefined) problems.push("no seq=")
  else if (entry.seq !== first.seq) problems.push(`seq=${entry.seq} but the first packet has seq ${first.seq}`)
  if (entry.rtptime === undefined) problems.push("no rtptime=")
  else if (entry.rtptime >>> 0 !== first.timestamp >>> 0) problems.push(`rtptime=${entry.rtptime} but the first packet has timestamp ${first.timestamp}`)
  if (problems.length > 0) return fail(expected, problems.join("; "))
  return pass(expected, `seq=${entry.seq} rtptime=${entry.rtptime}, as the first packet`)
}

// ---------------------------------------------------------------------------------------------

export const checkSequence = (packets: ReadonlyArray<PacketRecord>): Outcome => {
  const expected = "each packet's sequence number is the previous one + 1 (mod 65536)"
  if (packets.length < 2) return fail(expected, `only ${plural(packets.length, "packet")} received`)
  // Extended (unwrapped) numbers: a signed 16-bit step from each packet to the next.
  let ext = packets[0]!.seq
  let highest = ext
  const seen = new Set<number>([ext])
  let duplicates = 0
  let outOfOrder = 0
  const examples: Array<string> = []
  for (let i = 1; i < packets.length; i++) {
    const prev = packets[i - 1]!.seq
    const seq = packets[i]!.seq
    const step = ((seqDelta(prev, seq) + 0x8000) & 0xffff) - 0x8000
    ext += step
    if (step !== 1) examples.push(step === 0 ? `seq ${seq} twice` : `${seq} after ${prev}`)
    if (seen.has(ext)) duplicates++
    else if (ext < highest) outOfOrder++
    seen.add(ext)
    highest = Math.max(highest, ext)
  }
  const lowest = Math.min(...seen)
  const missing = highest - lowest + 1 - seen.size
  const range = `seq ${packets[0]!.seq}..${packets[packets.length - 1]!.seq}`
  if (examples.length === 0) return pass(expected, `${plural(packets.length, "packet")}, ${range}, no gaps`)
  const parts = [
    missing > 0 ? `${missing} missing` : "",
    duplicates > 0 ? plural(duplicates, "duplicate") : "",
    outOfOrder > 0 ? `${outOfOrder} out of order` : ""
  ].filter((s) => s !== "")
  return fail(expected, `${parts.join(", ")} in ${plural(packets.length, "packet")}: ${firstOf(examples)}`)
}

// ---------------------------------------------------------------------------------------------

interface TimestampRun {
  readonly timestamp: number
  readonly firstSeq: number
  readonly lastSeq: number
}

/** Consecutive packets with one timestamp: one frame, as far as timestamps tell. */
const timestampRuns = (packets: ReadonlyArray<PacketRecord>): Array<TimestampRun> => {
  const runs: Array<TimestampRun> = []
  for (const p of packets) {
    const last = runs[runs.length - 1]
    if (last !== undefined && last.timestamp === p.timestamp) runs[runs.length - 1] = { ...last, lastSeq: p.seq }
    else runs.push({ timestamp: p.timestamp, firstSeq: p.seq, lastSeq: p.seq })
  }
  return runs
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/**
 * Frames' timestamps advance by JPEG_CLOCK_RATE/fps (±1 for a fractional rate's rounding), never go back,
 * and a timestamp is never reused by a later frame. Without a frame rate in the SDP the step must
 * at least be steady (the median step). Where packets were lost between two frames, a whole
 * number of steps is accepted.
 */
export const checkTimestamps = (packets: ReadonlyArray<PacketRecord>, fps: number | undefined): Outcome => {
  const runs = timestampRuns(packets)
  const known = fps !== undefined && fps > 0
  const expected = known
    ? `timestamps advance by ${+ticksPerFrame(fps).toFixed(3)} (${JPEG_CLOCK_RATE}/${fps}) per frame`
    : "timestamps advance by a steady step per frame (the SDP gives no frame rate)"
  if (runs.length < 2) return fail(expected, `only ${plural(runs.length, "frame")} (distinct timestamp) received`)
  const deltas = runs.slice(1).map((run, i) => tsDelta(runs[i]!.timestamp, run.timestamp))
  const step = known ? ticksPerFrame(fps) : median(deltas)
  const seen = new Set<number>()
  const problems: Array<string> = []
  for (let i = 0; i < deltas.length; i++) {
    const prev = runs[i]!
    const run = runs[i + 1]!
    const d = deltas[i]!
    seen.add(prev.timestamp)
    if (seen.has(run.timestamp) || d >= 0x8000_0000) {
      problems.push(`timestamp ${run.timestamp} (seq ${run.firstSeq}) goes back from ${prev.timestamp}`)
      continue
    }
    const lost = seqDelta(prev.lastSeq, run.firstSeq) !== 1
    const steps = lost ? Math.max(1, Math.round(d / step)) : 1
    if (Math.abs(d - steps * step) > steps) problems.push(`step ${d} at seq ${run.firstSeq}`)
  }
  if (problems.length > 0) return fail(expected, `${plural(problems.length, "bad step")} over ${plural(runs.length, "frame")}: ${firstOf(problems)}`)
  const observed = [...new Set(deltas)].sort((a, b) => a - b)
  return pass(expected, `${plural(runs.length, "frame")}, steps ${observed.slice(0, 3).join(", ")}${observed.length > 3 ? ", ..." : ""}`)
}

// ---------------------------------------------------------------------------------------------

/** M=1 on the last packet of each frame (the one before the timestamp changes), and nowhere else. */
export const checkMarkers = (packets: ReadonlyArray<PacketRecord>): Outcome => {
  const expected = "M=1 on the last packet of every frame and on no other"
  if (packets.length < 2) return fail(expected, `only ${plural(packets.length, "packet")} received`)
  let frames = 0
  const unmarked: Array<string> = []
  const midFrame: Array<string> = []
  for (let i = 1; i < packets.length; i++) {
    const p = packets[i - 1]!
    const q = packets[i]!
    // Across a loss the frame boundary is unknown.
    if (seqDelta(p.seq, q.seq) !== 1) continue
    if (p.timestamp !== q.timestamp) {
      frames++
      if (!p.marker) unmarked.push(`seq ${p.seq}`)
    } else if (p.marker) {
      midFrame.push(`seq ${p.seq}`)
    }
  }
  if (frames === 0) return fail(expected, "no frame boundary seen (the timestamp never changed)")
  if (unmarked.length + midFrame.length === 0) return pass(expected, `${plural(frames, "frame")} end with M=1, none mid-frame`)
  const parts = [
    unmarked.length > 0 ? `${unmarked.length} of ${plural(frames, "frame")} end without M=1 (${firstOf(unmarked)})` : "",
    midFrame.length > 0 ? `M=1 inside a frame ${plural(midFrame.length, "time")} (${firstOf(midFrame)})` : ""
  ].filter((s) => s !== "")
  return fail(expected, parts.join("; "))
}

// ---------------------------------------------------------------------------------------------

export interface PauseWindow {
  /** When the PAUSE reply arrived. */
  readonly pausedAtMs: number
  /** Packets already in flight may land this long after the reply. */
  readonly graceMs: number
  /** How long after the grace the flow was watched. */
  readonly observedMs: number
}

export const checkPauseStops = (packets: ReadonlyArray<PacketRecord>, window: PauseWindow): Outcome => {
  const expected = `no RTP packet later than ${window.graceMs} ms after the PAUSE reply (watched ${window.observedMs} ms)`
  const late = packets.filter((p) => p.arrivalMs > window.pausedAtMs + window.graceMs)
  if (late.length === 0) return pass(expected, "no packet after PAUSE")
  const lastMs = Math.round(late[late.length - 1]!.arrivalMs - window.pausedAtMs)
  return fail(expected, `${plural(late.length, "packet")} (seq ${late[0]!.seq}..${late[late.length - 1]!.seq}) arrived up to ${lastMs} ms after the PAUSE reply`)
}

// ---------------------------------------------------------------------------------------------

export type RtcpKind = "SenderReport" | "Goodbye"

/** The first RTCP packet of `kind` for `ssrc` (any SSRC when unknown) arriving at or after `sinceMs`. */
export const findRtcp = (
  records: ReadonlyArray<RtcpRecord>,
  kind: RtcpKind,
  ssrc: number | undefined,
  sinceMs: number
): { readonly packet: RtcpPacket; readonly arrivalMs: number } | undefined => {
  for (const record of records) {
    if (record.arrivalMs < sinceMs) continue
    for (const packet of record.packets) {
      if (packet._tag !== kind) continue
      const matches =
        ssrc === undefined ||
        (packet._tag === "SenderReport" && packet.ssrc >>> 0 === ssrc >>> 0) ||
        (packet._tag === "Goodbye" && packet.ssrcs.some((s) => s >>> 0 === ssrc >>> 0))
      if (matches) return { packet, arrivalMs: record.arrivalMs }
    }
  }
  return undefined
}

const SHORT: Readonly<Record<string, string>> = { SenderReport: "SR", ReceiverReport: "RR", SourceDescription: "SDES", Goodbye: "BYE", Unknown: "other" }

/** What arrived instead, for an actual value: "2 RTCP compounds (SR, SDES), no BYE for SSRC 0x..." or "no RTCP at all". */
export const describeRtcp = (records: ReadonlyArray<RtcpRecord>, sinceMs: number, missing: RtcpKind, ssrc: number | undefined): string => {
  const recent = records.filter((r) => r.arrivalMs >= sinceMs)
  if (recent.length === 0) return "no RTCP at all"
  const kinds = [...new Set(recent.flatMap((r) => r.packets.map((p) => SHORT[p._tag] ?? p._tag)))]
  return `${plural(recent.length, "RTCP compound")} (${kinds.join(", ")}), no ${SHORT[missing]} for ${ssrcLabel(ssrc)}`
}

export const ssrcLabel = (ssrc: number | undefined): string => (ssrc === undefined ? "the stream's SSRC" : `SSRC ${hex(ssrc)}`)
