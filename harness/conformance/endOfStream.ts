/**
 * "BYE at the end": plays a session of its own to the end of the media and waits for the RTCP BYE
 * that says the stream is over. To keep it short it seeks (PLAY with Range) to the media's last
 * seconds; a server that refuses the Range is played from the start, and waited for that long.
 */
import { Effect, Either, type Scope } from "effect"
import { formatNptSeconds, parseRange } from "../../src/protocol/rtsp/headers/range.js"
import { getHeader } from "../../src/protocol/rtsp/message.js"
import { pollUntil } from "./capture.js"
import { errorText, freshConnection, mediaSeconds, type SuiteContext } from "./context.js"
import { establish } from "./sessionFlow.js"
import { describeRtcp, findRtcp, ssrcLabel } from "./streamAnalysis.js"
import { fail, type Outcome, pass, skip } from "./types.js"

/** How far before the end the seek lands: a few frames play before the end. */
const SEEK_BEFORE_END_S = 1.5
/** After the last frame's time, the BYE may take this long (or the suite's timeout, if longer). */
const END_SLACK_MS = 3000

/** The start of a PLAY reply's `Range: npt=<start>-...`, when it has one. */
const playedFrom = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const range = parseRange(value)
  return Either.isRight(range) && range.right._tag === "Npt" && typeof range.right.start === "number" ? range.right.start : undefined
}

const EXPECTED = "an RTCP BYE for the stream's SSRC when the media ends"

export const byeAtEndCheck = (ctx: SuiteContext): Effect.Effect<Outcome, never, Scope.Scope> =>
  Effect.gen(function* () {
    if (!ctx.waitForEnd) return skip(EXPECTED, "not run: it plays to the end of the media; ask for it with waitForEnd (--wait-for-end)")
    const conn = yield* Effect.either(freshConnection(ctx))
    if (Either.isLeft(conn)) return fail(EXPECTED, `cannot connect: ${errorText(conn.left)}`)
    const described = yield* Effect.either(conn.right.describe(ctx.url))
    if (Either.isLeft(described)) return skip(EXPECTED, `no session: DESCRIBE failed: ${errorText(described.left)}`)
    const length = mediaSeconds(described.right.sdp)
    if (length === undefined) return skip(EXPECTED, "the SDP gives no media length (a=range:npt=0-<end>): a live stream has no end")
    const session = yield* Effect.either(establish(ctx, conn.right, described.right.trackUrl))
    if (Either.isLeft(session)) return skip(EXPECTED, `no session: SETUP failed: ${session.left.actual}`)
    const { capture } = session.right

    let from = Math.max(0, length - SEEK_BEFORE_END_S)
    const playStart = performance.now()
    const seek = yield* Effect.either(conn.right.play(ctx.url, { headers: { Range: `npt=${formatNptSeconds(from)}-` } }))
    if (Either.isLeft(seek)) {
      from = 0
      const plain = yield* Effect.either(conn.right.play(ctx.url))
      if (Either.isLeft(plain)) return skip(EXPECTED, `no stream: PLAY failed: ${errorText(plain.left)}`)
    } else {
      // Where the server says it starts; a server that ignored the Range plays it all.
      from = playedFrom(getHeader(seek.right.headers, "Range")) ?? 0
    }
    const waitMs = (length - from) * 1000 + Math.max(END_SLACK_MS, ctx.timeoutMs)
    const ssrcNow = (): number | undefined => session.right.ssrc ?? capture.rtp[0]?.ssrc
    const found = () => findRtcp(capture.rtcp, "Goodbye", ssrcNow(), playStart)
    yield* pollUntil(() => found() !== undefined, waitMs)
    const bye = found()
    yield* conn.right.teardown(ctx.url).pipe(Effect.ignore)
    const where = from > 0 ? `PLAY from npt=${formatNptSeconds(from)} of ${formatNptSeconds(length)} s` : `PLAY of the whole ${formatNptSeconds(length)} s`
    if (bye === undefined) {
      return fail(EXPECTED, `${describeRtcp(capture.rtcp, playStart, "Goodbye", ssrcNow())} within ${(waitMs / 1000).toFixed(1)} s of ${where}`)
    }
    return pass(EXPECTED, `BYE from ${ssrcLabel(ssrcNow())} ${((bye.arrivalMs - playStart) / 1000).toFixed(2)} s after ${where}`)
  })
