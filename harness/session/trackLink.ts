/**
 * One track's receiving end in a session: its receiver (by codec, see rtpIntake.ts), its RTCP,
 * and where its packets come in: a UDP port pair of its own, the ports of the multicast group the
 * server chose (shared with every viewer on the host), or a pair of `$` channels on the
 * session's RTSP connection. The session (ClientSession.ts) sets its tracks up and routes
 * interleaved frames to them by channel.
 */
import { Effect, Either, Scope } from "effect"
import { multicastBindHost } from "../../src/net/multicastAddress.js"
import { type UdpSocketError, makeUdpSocketPair, type UdpSocketPair, type UdpSocketPairOptions } from "../../src/net/UdpSocket.js"
import { JPEG_CLOCK_RATE } from "../../src/protocol/rtpJpeg.js"
import { spropParameterSets } from "../../src/protocol/nal/spropParameterSets.js"
import type { TrackDescription } from "../../src/protocol/sdpTracks.js"
import type { Dialect } from "../../src/protocol/rtsp/vocabulary.js"
import type { MulticastSetup } from "../client/RtspClient.js"
import type { ReceivedFrame } from "../receiver/mjpegReceiver.js"
import type { OnAccessUnit } from "../receiver/nalReceiver.js"
import { fromOtherReceiver } from "./groupRtcp.js"
import { makeRtcpReports, type RtcpReports, type SendRtcp } from "./rtcpReports.js"
import { type IntakeTrack, makeRtpIntake, type RtpIntake } from "./rtpIntake.js"
import type { TrackSnapshot } from "./types.js"

const RECEIVE_BUFFER_BYTES = 2 * 1024 * 1024
/** Packets kept per track for aligning audio with video (see lipSync.ts). */
export const SYNC_SAMPLES = 256

export interface TrackLinkOptions {
  /** Undefined: the classic dialect's one MJPEG stream, which no description announces. */
  readonly track: TrackDescription | undefined
  readonly url: string
  readonly dialect: Dialect
  readonly expectedFps?: number | undefined
  readonly epochMs: number
  readonly onFrame?: ((frame: ReceivedFrame, index: number) => void) | undefined
  readonly onAccessUnit?: OnAccessUnit | undefined
  readonly onPacket: () => void
  /** Keep packet timings for lip sync (a session with audio and video). */
  readonly keepTimings: boolean
  /** Our SSRC and CNAME, for the receiver reports. */
  readonly ssrc: number
  readonly cname: string
}

/** Where a track's RTCP goes over UDP: the server's RTCP port, or the group's (RFC 3550 §6: every member's reports go to the group). */
export interface RtcpDestination {
  readonly address: string
  readonly port: number
}

export interface TrackLink {
  readonly track: TrackDescription | undefined
  readonly url: string
  readonly intake: RtpIntake
  readonly rtcp: RtcpReports
  /** The interleaved channels (RTP, RTCP), once set up over TCP. */
  channels: readonly [number, number] | undefined
  udp: UdpSocketPair | undefined
  rtcpTo: RtcpDestination | undefined
  /** Binds the track's UDP port pair in `scope` (once) and starts receiving on it. */
  readonly bindUdp: (scope: Scope.Scope, bindHost: string, batched: boolean) => Effect.Effect<UdpSocketPair, UdpSocketError>
  /** Joins the group of a multicast SETUP on its ports in `scope` (once), starts receiving, and reports to the group. */
  readonly joinGroup: (scope: Scope.Scope, setup: MulticastSetup, multicastInterface: string | undefined, batched: boolean) => Effect.Effect<UdpSocketPair, UdpSocketError>
  /** A receiver report to wherever the server's RTCP for this track goes. */
  readonly sendRtcp: (interleave: (channel: number, compound: Uint8Array) => void) => SendRtcp
  readonly snapshot: () => TrackSnapshot
}

/** What the intake needs of the track; a description's parameter sets that do not decode are left out (the SPS figures say so). */
const intakeTrack = (track: TrackDescription | undefined): IntakeTrack | undefined => {
  if (track === undefined) return undefined
  const codec = track.codec === "JPEG" || track.codec === "H264" || track.codec === "H265" ? track.codec : "other"
  if (codec !== "H264" && codec !== "H265") return { codec, clockRate: track.clockRate, markerEndsFrames: track.kind !== "audio" }
  const units = spropParameterSets(codec, track.parameters)
  return { codec, clockRate: track.clockRate, spropUnits: Either.getOrElse(units, () => []) }
}

export const makeTrackLink = (options: TrackLinkOptions): Effect.Effect<TrackLink> =>
  Effect.gen(function* () {
    const track = options.track
    const video = track === undefined || track.kind === "video"
    const intakeOf = intakeTrack(track)
    const intake = makeRtpIntake({
      dialect: options.dialect,
      ...(intakeOf === undefined ? {} : { track: intakeOf }),
      // The frame-rate step check is for pictures; audio has no frame rate to expect.
      expectedFps: video ? options.expectedFps : undefined,
      epochMs: options.epochMs,
      onFrame: options.onFrame,
      onAccessUnit: options.onAccessUnit,
      onPacket: options.onPacket,
      timingSamples: options.keepTimings ? SYNC_SAMPLES : 0
    })
    const rtcp = yield* makeRtcpReports({ ssrc: options.ssrc, cname: options.cname, stats: intake.figures.rtpSnapshot })

    /** The SSRC the measured RTP came from, once some came. */
    const mediaSsrcSeen = (): number | undefined => {
      const rtp = intake.figures.rtpSnapshot()
      return rtp.packetsReceived > 0 ? rtp.ssrc >>> 0 : undefined
    }

    /** Binds the pair in `scope` once, and starts receiving RTP and the RTCP `accept` lets through. */
    const bind = (scope: Scope.Scope, pairOptions: UdpSocketPairOptions, batched: boolean, accept: (datagram: Uint8Array) => boolean) =>
      Effect.gen(function* () {
        if (link.udp !== undefined) return link.udp
        const pair = yield* makeUdpSocketPair({ ...pairOptions, receiveBufferBytes: RECEIVE_BUFFER_BYTES }).pipe(Scope.extend(scope))
        intake.fromUdp(pair.rtp, batched)
        pair.rtcp.deliverTo((datagram, arrivalMs) => {
          if (accept(datagram)) rtcp.onRtcp(datagram, arrivalMs)
        })
        link.udp = pair
        return pair
      })

    const link: TrackLink = {
      track,
      url: options.url,
      intake,
      rtcp,
      channels: undefined,
      udp: undefined,
      rtcpTo: undefined,
      bindUdp: (scope, bindHost, batched) => bind(scope, { host: bindHost, port: 0 }, batched, () => true),
      joinGroup: (scope, setup, multicastInterface, batched) =>
        Effect.tap(
          bind(scope, {
            host: multicastBindHost(setup.group),
            port: setup.ports[0],
            rtcpPort: setup.ports[1],
            multicastGroup: setup.group,
            multicastInterface,
            multicastTtl: setup.ttl
          }, batched, (datagram) => !fromOtherReceiver(datagram, setup.ssrc ?? mediaSsrcSeen())),
          () => Effect.sync(() => (link.rtcpTo = { address: setup.group, port: setup.ports[1] }))
        ),
      sendRtcp: (interleave) => (compound) => {
        if (link.channels !== undefined) interleave(link.channels[1], compound)
        else if (link.udp !== undefined && link.rtcpTo !== undefined) link.udp.rtcp.send([compound], link.rtcpTo.port, link.rtcpTo.address)
        else return false
        return true
      },
      snapshot: () => {
        const nal = intake.nalFigures()
        return {
          kind: track?.kind ?? "video",
          control: track?.control ?? "",
          url: options.url,
          encoding: track?.encoding ?? "JPEG",
          codec: track?.codec ?? "JPEG",
          clockRate: track?.clockRate ?? JPEG_CLOCK_RATE,
          ...(track?.channels === undefined ? {} : { channels: track.channels }),
          receiver: intake.figures.snapshot(),
          senderReports: rtcp.senderReports(),
          byeReceived: rtcp.byeReceived(),
          ...(nal === undefined ? {} : { nal })
        }
      }
    }
    return link
  })
