/**
 * The classic-lab grader's checks, in report order, and the numbers its judgements rest on. The id
 * is stable (JSON consumers and batch tables key on it); the name is what the table shows.
 * Each check is worth one point: see score.ts.
 */
import { CLASSIC_MAX_FRAME_BYTES } from "../../../src/protocol/jpeg/classic.js"
import { RTP_FIXED_HEADER_SIZE } from "../../../src/protocol/rtp.js"

export const CLASSIC_CHECKS = [
  { id: "connect", name: "TCP connection to the server" },
  { id: "setup", name: "SETUP, as the lab client sends it, answered 200" },
  { id: "reply-layout", name: "Replies laid out as the lab client reads them" },
  { id: "session-id", name: "Session id on every reply, numeric, unchanged" },
  { id: "play", name: "PLAY starts the RTP flow" },
  { id: "rtp-header", name: "RTP header: 12 bytes, V=2, PT=26" },
  { id: "rtp-sequence", name: "Sequence numbers count frames from 1" },
  { id: "pacing", name: "Frames paced at the file's rate" },
  { id: "frame-size", name: "Every frame fits the client's receive buffer" },
  { id: "frames-decode", name: "Each datagram is a whole JPEG that decodes" },
  { id: "pause-stops", name: "PAUSE stops the flow at once" },
  { id: "resume", name: "PLAY after PAUSE restarts the flow" },
  { id: "sequence-resume", name: "Sequence numbers continue across PAUSE/PLAY" },
  { id: "teardown", name: "TEARDOWN stops the flow, connection left open" }
] as const

export type ClassicCheckId = (typeof CLASSIC_CHECKS)[number]["id"]

export const classicCheckName = (id: ClassicCheckId): string => CLASSIC_CHECKS.find((c) => c.id === id)?.name ?? id

/** The lab's VideoStream is sent at 20 frames a second (ServerWorker waits 0.05 s per frame). */
export const LAB_FPS = 20
/** The median frame interval may be this far off 1000/fps (a fraction of it). */
export const PACING_TOLERANCE = 0.2
/** Fewer intervals than this say nothing about pacing. */
export const MIN_PACING_INTERVALS = 8
/** A frame already on its way when PAUSE or TEARDOWN is answered may land this much later: two frame periods at 20 fps. */
export const STOP_GRACE_MS = 100
/** How long the flow is watched for datagrams after the PAUSE and TEARDOWN replies. */
export const STOP_OBSERVE_MS = 600
/** The lab client reads its replies with recv(1024): a longer reply is cut. */
export const CLIENT_REPLY_READ_BYTES = 1024
/** The lab client reads RTP with recv(20480): the whole datagram, header included, must fit. */
export const CLIENT_RTP_READ_BYTES = CLASSIC_MAX_FRAME_BYTES + RTP_FIXED_HEADER_SIZE
/** A user clicks Play some time after Setup; a server must not stream in between. */
export const SETUP_TO_PLAY_MS = 100
/** The resumed flow is watched this long at least (half the first watch otherwise). */
export const MIN_RESUME_WATCH_MS = 500
