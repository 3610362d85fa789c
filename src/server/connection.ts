/**
 * One RTSP connection: bytes in through the incremental parser, requests
 * handled one at a time in order, replies written in the connection's
 * dialect. Interleaved RTCP from the client is routed to its session.
 * Whatever happens here stays here: errors become replies or a closed
 * connection, never a crash of the server.
 */
import type { Socket } from "node:net"
import { TLSSocket } from "node:tls"
import { Cause, Effect, Either, Queue } from "effect"
import { getHeader, makeResponse, type RtspRequest } from "../protocol/rtsp/message.js"
import { makeRtspParser, type RtspParseResult } from "../protocol/rtsp/parser.js"
import { parseSession } from "../protocol/rtsp/headers/session.js"
import { serializeResponse } from "../protocol/rtsp/serializer.js"
import { CLASSIC_REPLY_DELAY_MS, CLASSIC_REQUEST_IDLE_MS, isClassicTarget, serializeClassicReply } from "../protocol/rtsp/classic.js"
import { type ConnectionState, isPublisherEntry, type ServerContext } from "./context.js"
import { ingestPublisherPacket } from "./relay/publisherIngest.js"
import { makeClockTimer } from "./clockTimer.js"
import { AddressLimitReached, InvalidCSeq, MalformedRequest, type RequestRefusal } from "./errors.js"
import { unmapIpv4 } from "../net/address.js"
import { handleRequest } from "./handlers.js"
import type { Reply } from "./reply.js"
import { refusalBody, refusalHeaders, refusalStatus } from "./refusals.js"
import { endSession, handleClientRtcp } from "./sessionLifecycle.js"
import { answeredByImpairment, requestImpairment } from "./sessionImpairment.js"
import { releaseSessionSlot, secondsToNextToken, takeRequestToken } from "./addressLimits.js"

/** Parsed items waiting to be handled before the connection stops reading. */
const MAX_QUEUED_ITEMS = 64
/** Reply bytes the client has not read before the connection stops reading its requests. */
const MAX_UNREAD_REPLY_BYTES = 1024 * 1024

type InboxItem = RtspParseResult | { readonly _tag: "Stalled" } | { readonly _tag: "Closed" }

const SERVER_NAME = "effect-rtsp"

const refusalReply = (refusal: RequestRefusal): Reply => {
  const body = refusalBody(refusal)
  return { status: refusalStatus(refusal), headers: refusalHeaders(refusal), ...(body === undefined ? {} : { body }) }
}

/** A defect in a handler (a bug): the client gets a 500, the log gets the cause, the connection goes on. */
const INTERNAL_ERROR: Reply = { status: 500, headers: [] }

const CSEQ = /^\d{1,10}$/

let nextConnectionId = 1

/**
 * Serves one connection until it closes. Nothing escapes: a failure or
 * defect is logged with its cause and ends only this connection.
 */
export const handleConnection = (ctx: ServerContext, socket: Socket): Effect.Effect<void> =>
  serveConnection(ctx, socket).pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Effect.logError("connection failed", cause).pipe(
          Effect.annotateLogs({ peer: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}` })
        ))
  )

const serveConnection = (ctx: ServerContext, socket: Socket): Effect.Effect<void, never, never> =>
  Effect.gen(function* () {
    const conn: ConnectionState = {
      id: nextConnectionId++,
      socket,
      peer: unmapIpv4(socket.remoteAddress ?? "0.0.0.0"),
      secure: socket instanceof TLSSocket,
      dialect: undefined,
      sessionIds: new Set(),
      nextChannel: 0,
      announced: new Set(),
      impairments: new Map(),
      logins: new Map(),
      holdsSessionSlot: false,
      bytesIn: 0,
      openedAt: ctx.clock.unsafeCurrentTimeMillis()
    }
    const peerLabel = `${conn.peer}:${socket.remotePort ?? 0}`
    socket.setNoDelay(true)
    ctx.metrics.connectionOpened()
    const parser = makeRtspParser({ maxHeaderBytes: ctx.config.maxHeaderBytes })
    const inbox = yield* Queue.unbounded<InboxItem>()
    // On the Clock, so tests drive them with TestClock; both die with the connection's scope.
    const idleTimer = yield* makeClockTimer
    const stallTimer = yield* makeClockTimer

    // A client that pipelines requests faster than they are answered (or never reads the
    // replies) is paused at the socket, so neither the inbox nor the reply buffer grows unbounded.
    let queued = 0
    let lastRateLog = Number.NEGATIVE_INFINITY
    const offerAll = (items: ReadonlyArray<InboxItem>): void => {
      for (const item of items) {
        // The dialect is known from the first parsed request, before it is handled: a standard
        // connection must never have a request cut short by the classic idle framing.
        if (item._tag === "Request") conn.dialect ??= isClassicTarget(item.uri) ? "classic" : "standard"
        inbox.unsafeOffer(item)
      }
      queued += items.length
      if (queued > MAX_QUEUED_ITEMS && !socket.isPaused()) socket.pause()
    }
    const armTimers = (): void => {
      idleTimer.cancel()
      if (!parser.hasPendingBytes()) {
        stallTimer.cancel()
        return
      }
      if (conn.dialect !== "standard") {
        idleTimer.start(CLASSIC_REQUEST_IDLE_MS, () => {
          // While reading is paused the rest of a request may be waiting in the kernel: not idle.
          if (socket.isPaused()) return
          offerAll(parser.flushIdle())
          if (!parser.hasPendingBytes()) stallTimer.cancel()
        })
      }
      stallTimer.startIfIdle(ctx.config.idleConnectionTimeoutSeconds * 1000, () => inbox.unsafeOffer({ _tag: "Stalled" }))
    }
    const onData = (chunk: Buffer): void => {
      conn.bytesIn += chunk.length
      offerAll(parser.push(chunk))
      armTimers()
    }
    const onClose = (): void => {
      inbox.unsafeOffer({ _tag: "Closed" })
    }
    // Errors (ECONNRESET, EPIPE) are followed by 'close'; without a listener they would crash the process.
    const onError = (): void => undefined
    const resumeReading = (): void => {
      socket.resume()
      armTimers()
    }
    const onDrain = (): void => {
      if (socket.isPaused() && queued < MAX_QUEUED_ITEMS / 2) resumeReading()
    }
    ctx.connections.add(conn)
    socket.on("data", onData)
    socket.on("drain", onDrain)
    socket.on("close", onClose)
    socket.on("error", onError)
    // A socket that closed while its fiber waited to start will not say so again.
    if (socket.destroyed) onClose()

    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        socket.off("data", onData)
        socket.off("drain", onDrain)
        ctx.connections.delete(conn)
        releaseSessionSlot(ctx, conn)
        idleTimer.cancel()
        stallTimer.cancel()
        for (const id of [...conn.sessionIds]) {
          const entry = ctx.sessions.get(id)
          if (entry) yield* endSession(ctx, entry, "connection closed")
        }
        // Paths announced here and never recorded are free again.
        for (const path of conn.announced) {
          const channel = ctx.channels.get(path)
          if (channel !== undefined && channel.connectionId === conn.id && channel.publisher === undefined) ctx.channels.delete(path)
        }
        if (socket.writableLength > 0 && !socket.destroyed) {
          // Let a last reply (a 400 before closing) reach the peer, but never wait on a peer that does not read.
          // A plain timer: it outlives this connection's scope by design, and unref'd it holds nothing up.
          socket.end()
          setTimeout(() => socket.destroy(), 2000).unref()
        } else {
          socket.destroy()
        }
        ctx.metrics.connectionClosed()
        yield* Effect.logDebug("connection closed").pipe(Effect.annotateLogs({ peer: peerLabel }))
      }))

    const write = (bytes: Buffer): void => {
      if (!socket.destroyed && socket.writable) socket.write(bytes)
    }

    const writeReply = (request: RtspRequest | undefined, cseq: string | undefined, reply: Reply): Effect.Effect<void> =>
      Effect.gen(function* () {
        ctx.metrics.response(reply.status)
        if (conn.dialect === "classic") {
          yield* Effect.sleep(CLASSIC_REPLY_DELAY_MS)
          write(serializeClassicReply(reply.status, cseq ?? "0", reply.sessionId ?? sessionOfRequest(request) ?? "0"))
        } else {
          const headers: Array<readonly [string, string]> = []
          if (cseq !== undefined) headers.push(["CSeq", cseq])
          headers.push(["Server", SERVER_NAME], ...reply.headers)
          write(serializeResponse(makeResponse({ statusCode: reply.status, headers, ...(reply.body ? { body: reply.body } : {}) })))
        }
        if (reply.after) yield* reply.after
      })

    const sessionOfRequest = (request: RtspRequest | undefined): string | undefined => {
      const value = request ? getHeader(request.headers, "Session") : undefined
      return value === undefined ? undefined : Either.getOrUndefined(parseSession(value))?.id
    }

    const onRequest = (request: RtspRequest): Effect.Effect<void> =>
      Effect.gen(function* () {
        conn.dialect ??= isClassicTarget(request.uri) ? "classic" : "standard"
        ctx.metrics.request(request.method)
        const cseq = getHeader(request.headers, "CSeq")?.trim()
        if (cseq === undefined || !CSEQ.test(cseq)) {
          return yield* writeReply(request, undefined, refusalReply(new InvalidCSeq({ value: cseq })))
        }
        if (!takeRequestToken(ctx, conn)) {
          ctx.metrics.guard("limitRefusals", "requests")
          const now = ctx.clock.unsafeCurrentTimeMillis()
          // One line a second per connection is enough to see a flood; the metric counts every refusal.
          if (now - lastRateLog >= 1000) {
            lastRateLog = now
            yield* Effect.logWarning(`requests refused: ${conn.peer} sends more than ${ctx.config.maxRequestsPerSecond} a second (503, Retry-After)`).pipe(Effect.annotateLogs({ peer: peerLabel }))
          }
          const refusal = new AddressLimitReached({ kind: "requests", limit: ctx.config.maxRequestsPerSecond, address: conn.peer, retryAfterSeconds: secondsToNextToken(ctx, conn) })
          return yield* writeReply(request, cseq, refusalReply(refusal))
        }
        const impairment = requestImpairment(ctx, conn, request)
        const answered = answeredByImpairment(impairment, request.method)
        if (answered !== undefined && impairment !== undefined) {
          ctx.impairmentTally.action(impairment, "answer")
          yield* Effect.logInfo(`impairment: answered ${request.method} with ${answered.status} (answer)`).pipe(Effect.annotateLogs({ peer: peerLabel }))
        }
        const reply = answered ?? (yield* handleRequest(ctx, conn, request).pipe(
          Effect.tapError((refusal) =>
            Effect.logInfo(`${request.method} refused: ${refusalStatus(refusal)} ${refusal.message}`).pipe(Effect.annotateLogs({ peer: peerLabel }))),
          Effect.catchAll((refusal) => Effect.succeed(refusalReply(refusal))),
          Effect.catchAllDefect((defect) =>
            Effect.logError(`${request.method} failed: a defect in its handler`, Cause.die(defect)).pipe(
              Effect.annotateLogs({ peer: peerLabel }),
              Effect.as(INTERNAL_ERROR)
            ))
        ))
        // A SETUP that registered no session gives its reserved slot back.
        releaseSessionSlot(ctx, conn)
        if (impairment?.replyDelayMs !== undefined) {
          // The request is handled at once and only its reply waits, as a slow server's would.
          ctx.impairmentTally.action(impairment, "reply-delay")
          yield* Effect.sleep(impairment.replyDelayMs)
        }
        yield* writeReply(request, cseq, reply)
      })

    yield* Effect.logDebug("connection opened").pipe(Effect.annotateLogs({ peer: peerLabel }))
    for (;;) {
      // A connection with a session is an established client: its work goes before a flood of newcomers' (connectionScheduler.ts).
      const item = yield* Queue.take(inbox).pipe(Effect.withSchedulingPriority(conn.sessionIds.size > 0 ? 1 : 0))
      queued = Math.max(0, queued - 1)
      if (socket.isPaused() && queued < MAX_QUEUED_ITEMS / 2 && socket.writableLength < MAX_UNREAD_REPLY_BYTES) resumeReading()
      switch (item._tag) {
        case "Request":
          yield* onRequest(item)
          // With a backlog (a client pipelining many requests), give the event loop a turn
          // between requests, so other sessions' frames are not held up behind this one's.
          if (queued > 0) yield* Effect.sleep(0)
          break
        case "Response":
          break
        case "Interleaved": {
          const channel = item.channel
          for (const id of conn.sessionIds) {
            const entry = ctx.sessions.get(id)
            if (!entry || entry.session.transport._tag !== "Interleaved") continue
            if (entry.session.transport.rtcpChannel === channel) {
              const ending = handleClientRtcp(ctx, item.payload, entry)
              if (ending !== undefined) yield* ending
            } else if (entry.session.transport.rtpChannel === channel && isPublisherEntry(entry)) {
              // A copy: the frame keeps views of its fragments until it is whole, and the parser's buffers are not ours to keep.
              const packet = Buffer.from(item.payload)
              const warning = ingestPublisherPacket(ctx, entry, packet, 0, packet.length)
              if (warning !== undefined) yield* warning
            }
          }
          break
        }
        case "RtspParseError": {
          yield* Effect.logInfo(`bad request: ${item.message}`).pipe(Effect.annotateLogs({ peer: peerLabel }))
          yield* writeReply(undefined, item.cseq, refusalReply(new MalformedRequest({ reason: item.reason, message: item.message })))
          if (item.fatal) {
            // Framing is lost: nothing after this can be trusted, so the connection ends here.
            socket.end()
            return
          }
          break
        }
        case "Stalled":
          yield* Effect.logInfo("closing a connection that sent an incomplete request and then nothing").pipe(Effect.annotateLogs({ peer: peerLabel }))
          return
        case "Closed":
          return
      }
    }
  }).pipe(Effect.scoped)
