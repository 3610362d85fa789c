/**
 * The viewers of the server.multicast case: N RTSP sessions that SETUP a live channel with
 * `Transport: RTP/AVP;multicast` and PLAY it, one TCP connection each as separate players
 * would have, and ONE receiver socket joined to the group their replies name, which counts
 * what the group stream delivers (packets, sequence gaps, frames). The members receive
 * nothing themselves: the server sends the group's stream once, whoever watches.
 * Every request has a timeout and every loop a bound; this runs inside a network namespace
 * (bench/multicastNamespace.ts), so nothing reaches the host's network.
 */
import { createSocket, type Socket as DgramSocket } from "node:dgram"
import { performance } from "node:perf_hooks"
import { Either } from "effect"
import { messageOf } from "../src/common/errorText.js"
import { getHeader } from "../src/protocol/rtsp/message.js"
import { parseTransport } from "../src/protocol/rtsp/headers/transport.js"
import { rtpMarkerAt, rtpSequenceNumberAt } from "../src/protocol/rtp.js"
import { describeTrack, type RtspControl, setUpEach, setupSessionId, tearDownEach } from "./serverLoadClient.js"

export interface MemberOptions {
  readonly host: string
  readonly port: number
  /** The live channel's path under the server's root, e.g. "movie.Mjpeg". */
  readonly mediaPath: string
  readonly sessions: number
  /** Sessions being set up at once. */
  readonly concurrency: number
  readonly requestTimeoutMs: number
  /** Sessions not started by this long after the start are given up. */
  readonly setupDeadlineMs: number
  readonly teardownTimeoutMs: number
}

/** Where a SETUP reply says the group's stream goes. */
export interface GroupOffer {
  readonly address: string
  readonly rtpPort: number
  readonly ssrc: number | undefined
}

interface Member {
  control: RtspControl | undefined
  sessionId: string | undefined
  playing: boolean
  error: string | undefined
}

export interface Members {
  /** The group the first successful SETUP named (every later one must name the same). */
  readonly group: GroupOffer | undefined
  /** Sessions whose PLAY was answered 200. */
  readonly sessionsUp: () => number
  /** Distinct failures with their counts, e.g. "3x SETUP answered 453". */
  readonly errors: () => ReadonlyArray<string>
  /** TEARDOWN on every session set up, all at once, each reply awaited at most teardownTimeoutMs; closes every connection. */
  readonly teardown: () => Promise<{ readonly ok: number; readonly failed: number }>
}

const groupOfReply = (transportHeader: string | undefined): GroupOffer => {
  if (transportHeader === undefined) throw new Error("SETUP reply without a Transport header")
  const parsed = parseTransport(transportHeader)
  if (Either.isLeft(parsed)) throw new Error(`SETUP reply: unreadable Transport (${parsed.left.message})`)
  const spec = parsed.right[0]!
  if (spec.delivery !== "multicast" || spec.destination === undefined || spec.port === undefined) {
    throw new Error(`SETUP reply is not a multicast group: ${transportHeader}`)
  }
  return { address: spec.destination, rtpPort: spec.port.first, ssrc: spec.ssrc }
}

const sameGroup = (a: GroupOffer, b: GroupOffer): boolean => a.address === b.address && a.rtpPort === b.rtpPort

/** Sets up and plays every member (failures are recorded per member, not thrown). */
export const startMembers = async (options: MemberOptions): Promise<Members> => {
  const url = `rtsp://${options.host}:${options.port}/${options.mediaPath}`
  const members: Array<Member> = Array.from({ length: options.sessions }, () => ({ control: undefined, sessionId: undefined, playing: false, error: undefined }))
  let group: GroupOffer | undefined
  await setUpEach(members, options, async (member, control) => {
    const trackUrl = await describeTrack(control, url)
    const setup = await control.request("SETUP", trackUrl, [["Transport", "RTP/AVP;multicast"]])
    const sessionId = setupSessionId(setup)
    const offered = groupOfReply(getHeader(setup.response.headers, "Transport"))
    group ??= offered
    if (!sameGroup(group, offered)) throw new Error(`SETUP named group ${offered.address}:${offered.rtpPort}, another member's ${group.address}:${group.rtpPort}`)
    member.sessionId = sessionId
    const play = await control.request("PLAY", url, [["Session", sessionId]])
    if (play.response.statusCode !== 200) throw new Error(`PLAY answered ${play.response.statusCode}`)
    member.playing = true
  })
  return {
    group,
    sessionsUp: () => members.filter((m) => m.playing && m.control !== undefined).length,
    errors: () => {
      const counts = new Map<string, number>()
      for (const m of members) if (m.error !== undefined) counts.set(m.error, (counts.get(m.error) ?? 0) + 1)
      return [...counts].map(([message, n]) => `${n}x ${message}`)
    },
    teardown: () => tearDownEach(members, url, options.teardownTimeoutMs)
  }
}

// --- the group receiver ------------------------------------------------------------------

/** What the receiver saw in the window. Loss = sequence numbers in the window's span that never arrived. */
export interface GroupWindow {
  readonly seconds: number
  readonly packets: number
  readonly lost: number
  readonly frames: number
  /** From the window's first to its last frame arrival (ms); NaN with fewer than 2 frames. */
  readonly frameSpanMs: number
  /** The longest wait between two frames in the window (ms); NaN with fewer than 2 frames. */
  readonly maxFrameGapMs: number
  /** Packets whose SSRC is not the one the SETUP reply named (another stream on the group's port). */
  readonly foreignPackets: number
}

export interface GroupReceiver {
  readonly recvBufferBytes: number
  readonly startWindow: () => void
  readonly endWindow: () => GroupWindow
  readonly close: () => void
}

const RTP_HEADER_BYTES = 12
const RTP_VERSION_2 = 2

/**
 * One socket bound to the group's address and port (reuseAddr, so other receivers could share
 * it) that joins the group on the interface the route names (lo, inside the namespace).
 */
export const joinGroup = (group: GroupOffer, recvBufferBytes: number): Promise<GroupReceiver> =>
  new Promise((resolve, reject) => {
    const socket: DgramSocket = createSocket({ type: "udp4", reuseAddr: true })
    // Counters since the receiver opened; the window subtracts their values at its start.
    let packets = 0
    let foreign = 0
    let baseSeq = 0
    let extMaxSeq = 0
    let frames = 0
    let lastFrameAt = Number.NaN
    // The window.
    let active = false
    let startedAt = Number.NaN
    let packets0 = 0
    let expected0 = 0
    let foreign0 = 0
    let windowFrames = 0
    let firstWindowFrameAt = Number.NaN
    let maxFrameGapMs = Number.NaN
    const expected = (): number => (packets === 0 ? 0 : extMaxSeq - baseSeq + 1)
    socket.on("message", (data: Buffer) => {
      if (data.length < RTP_HEADER_BYTES || data[0]! >> 6 !== RTP_VERSION_2) return
      if (group.ssrc !== undefined && data.readUInt32BE(8) !== group.ssrc) {
        foreign++
        return
      }
      const seq = rtpSequenceNumberAt(data, 0)
      if (packets === 0) baseSeq = extMaxSeq = seq
      else {
        // Forward steps (mod 2^16, under half the space) extend the highest sequence number; the rest are late or repeated.
        const delta = (seq - extMaxSeq) & 0xffff
        if (delta !== 0 && delta < 0x8000) extMaxSeq += delta
      }
      packets++
      if (!rtpMarkerAt(data, 0)) return
      const now = performance.now()
      if (active) {
        if (windowFrames === 0) firstWindowFrameAt = now
        else maxFrameGapMs = Number.isNaN(maxFrameGapMs) ? now - lastFrameAt : Math.max(maxFrameGapMs, now - lastFrameAt)
        windowFrames++
      }
      frames++
      lastFrameAt = now
    })
    const onError = (error: Error) => {
      socket.close()
      reject(new Error(`cannot join multicast group ${group.address}:${group.rtpPort}: ${error.message}`))
    }
    socket.once("error", onError)
    socket.bind(group.rtpPort, group.address, () => {
      try {
        socket.addMembership(group.address)
        socket.setRecvBufferSize(recvBufferBytes)
      } catch (error) {
        onError(error instanceof Error ? error : new Error(messageOf(error)))
        return
      }
      socket.off("error", onError)
      // A receive-only socket expects no errors after bind; one must not crash the case.
      socket.on("error", () => undefined)
      resolve({
        recvBufferBytes: socket.getRecvBufferSize(),
        startWindow: () => {
          packets0 = packets
          expected0 = expected()
          foreign0 = foreign
          windowFrames = 0
          firstWindowFrameAt = Number.NaN
          maxFrameGapMs = Number.NaN
          startedAt = performance.now()
          active = true
        },
        endWindow: () => {
          active = false
          const windowPackets = packets - packets0
          return {
            seconds: (performance.now() - startedAt) / 1000,
            packets: windowPackets,
            lost: Math.max(0, expected() - expected0 - windowPackets),
            frames: windowFrames,
            frameSpanMs: windowFrames >= 2 ? lastFrameAt - firstWindowFrameAt : Number.NaN,
            maxFrameGapMs,
            foreignPackets: foreign - foreign0
          }
        },
        close: () => {
          try {
            socket.dropMembership(group.address)
          } catch {
            // Leaving fails only when the socket is already closed: nothing left to leave.
          }
          socket.close()
        }
      })
    })
  })
