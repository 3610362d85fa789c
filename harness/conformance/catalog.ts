import { JPEG_CLOCK_RATE } from "../../src/protocol/rtpJpeg.js"

/**
 * Every check of the suite, in report order: the id is stable (JSON consumers and the CLI key on
 * it), the name is what the table shows.
 */
export const CHECKS = [
  { id: "connect", name: "TCP connection to the server" },
  { id: "options", name: "OPTIONS lists the methods" },
  { id: "describe", name: "DESCRIBE returns SDP with a video track" },
  { id: "setup", name: "SETUP creates a session" },
  { id: "play", name: "PLAY starts the RTP flow" },
  { id: "pause", name: "PAUSE is accepted while playing" },
  { id: "teardown", name: "TEARDOWN ends the session" },
  { id: "state-play-before-setup", name: "455 for PLAY before SETUP" },
  { id: "state-pause-in-ready", name: "455 for PAUSE in READY" },
  { id: "session-unknown", name: "454 for an unknown session" },
  { id: "cseq-missing", name: "400 for a request without CSeq" },
  { id: "transport-unsupported", name: "461 for an unsupported transport" },
  { id: "method-unknown", name: "501 for an unknown method" },
  { id: "version-rtsp2", name: "505 for RTSP/2.0" },
  { id: "session-timeout", name: "Session timeout advertised in SETUP" },
  { id: "keepalive", name: "Keep-alive with the session honoured" },
  { id: "rtp-header", name: "RTP headers: V=2, SDP payload type, one SSRC" },
  { id: "rtp-info", name: "RTP-Info matches the first packet" },
  { id: "rtp-sequence", name: "Sequence numbers are consecutive" },
  { id: "rtp-timestamps", name: `Timestamps advance by ${JPEG_CLOCK_RATE}/fps per frame` },
  { id: "marker-bits", name: "Marker bit ends every frame" },
  { id: "frames-decode", name: "Frames rebuild and decode" },
  { id: "rtcp-sr", name: "An RTCP sender report arrives" },
  { id: "bye-teardown", name: "RTCP BYE after TEARDOWN" },
  { id: "bye-end", name: "RTCP BYE at the end of the media" },
  { id: "pause-stops", name: "PAUSE stops the RTP flow" }
] as const

export type CheckId = (typeof CHECKS)[number]["id"]

export const checkName = (id: CheckId): string => CHECKS.find((c) => c.id === id)?.name ?? id
