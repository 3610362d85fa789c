/**
 * The harness's RTSP client: one TCP connection, requests sent one at a time and matched to
 * responses by CSeq, `$` interleaved frames exposed as a Stream. The socket lives in the Scope.
 *
 * Adds CSeq, User-Agent, Session (once a SETUP returned one) and, after a 401 when credentials are
 * known, Authorization (Basic or Digest; the request is retried once, later requests answer the
 * same challenge up front). Every wait is bounded by a timeout (default 5 s).
 */
import { Effect, Either, Queue, Scope, Stream } from "effect"
import * as net from "node:net"
import type { AuthChallenge } from "../../src/protocol/rtsp/headers/auth.js"
import { getHeader, getHeaders, makeRequest, type RtspResponse } from "../../src/protocol/rtsp/message.js"
import { makeRtspParser } from "../../src/protocol/rtsp/parser.js"
import type { RtspParseResult } from "../../src/protocol/rtsp/parser.js"
import { CLASSIC_REPLY_IDLE_MS, classicTarget, classicTransport, serializeClassicRequest } from "../../src/protocol/rtsp/classic.js"
import type { Dialect } from "../../src/protocol/rtsp/vocabulary.js"
import { serializeInterleaved, serializeRequest, serializeResponse } from "../../src/protocol/rtsp/serializer.js"
import { authorizationFor, type Credentials, parseRtspUrl, pickChallenge, stripCredentials } from "./credentials.js"
import { protocolError, RtspClientError } from "./errors.js"
import { closeSocket, openTcpSocket, type TlsConnect } from "./openSocket.js"
import {
  classicSetupReply,
  type DescribeResult,
  describeReply,
  ensureOk,
  type MulticastSetup,
  multicastSetupReply,
  multicastTransportRequest,
  type PlayResult,
  playReply,
  type RtspResponseInfo,
  type TcpSetup,
  tcpSetupReply,
  tcpTransportRequest,
  type UdpSetup,
  udpSetupReply,
  udpTransportRequest
} from "./replies.js"

export { RtspClientError } from "./errors.js"
export type { DescribeResult, MulticastSetup, PlayResult, RtspResponseInfo, TcpSetup, UdpSetup } from "./replies.js"

export interface RequestOptions {
  readonly timeoutMs?: number
  readonly headers?: Record<string, string>
}

export interface InterleavedPayload {
  readonly channel: number
  readonly payload: Buffer
}

export interface RtspConnection {
  readonly request: (
    method: string,
    url: string,
    headers?: Record<string, string>,
    options?: { readonly timeoutMs?: number; readonly version?: string; readonly body?: Buffer }
  ) => Effect.Effect<RtspResponseInfo, RtspClientError>
  readonly describe: (url: string, options?: RequestOptions) => Effect.Effect<DescribeResult, RtspClientError>
  readonly setupUdp: (trackUrl: string, rtpPort: number, rtcpPort: number, options?: RequestOptions) => Effect.Effect<UdpSetup, RtspClientError>
  /** Asks for multicast; the server names the group and ports (standard dialect only). */
  readonly setupMulticast: (trackUrl: string, options?: RequestOptions) => Effect.Effect<MulticastSetup, RtspClientError>
  /** Asks for channels `firstChannel` (default 0) and the next; a second track takes 2-3, and so on. */
  readonly setupTcp: (trackUrl: string, options?: RequestOptions, firstChannel?: number) => Effect.Effect<TcpSetup, RtspClientError>
  readonly play: (url: string, options?: RequestOptions) => Effect.Effect<PlayResult, RtspClientError>
  readonly pause: (url: string, options?: RequestOptions) => Effect.Effect<RtspResponseInfo, RtspClientError>
  readonly teardown: (url: string, options?: RequestOptions) => Effect.Effect<RtspResponseInfo, RtspClientError>
  /**
   * `$` frames from the server, in order. Single consumer; the oldest are dropped past 4096 unread.
   * Empty when `onInterleaved` was given to `connect`.
   */
  readonly interleaved: Stream.Stream<InterleavedPayload>
  /** Writes one `$` frame (RTCP receiver reports over TCP). */
  readonly sendInterleaved: (channel: number, payload: Uint8Array) => void
  /** The session id from the last SETUP, if any. */
  readonly sessionId: () => string | undefined
}

export interface ConnectOptions {
  readonly timeoutMs?: number
  readonly username?: string
  readonly password?: string
  readonly userAgent?: string
  /** For rtsps:// URLs: do not verify the server's certificate (a self-signed test server). */
  readonly insecure?: boolean
  /**
   * "classic": the teaching lab's dialect. Requests name the bare file (the URL's last path part),
   * lines end in `\n` with no final blank line, only CSeq/Session/Transport are sent, and replies
   * are also framed by a short idle pause (classic servers may omit the blank line).
   */
  readonly dialect?: Dialect
  /**
   * The hot path for interleaved RTP: called synchronously as `$` frames are parsed, with the
   * arrival time (performance.now() ms) of the chunk that completed them, instead of queueing them
   * for `interleaved`. It must not throw.
   */
  readonly onInterleaved?: (channel: number, payload: Buffer, arrivalMs: number) => void
  /** Every request as written, and its response as parsed then re-serialized (for showing the wire). */
  readonly onExchange?: (exchange: WireExchange) => void
  /** The connection became unusable without our asking (closed by the server, reset, garbage): once, with why. */
  readonly onClosed?: (error: RtspClientError) => void
}

export interface WireExchange {
  readonly request: string
  /** Absent when no response came. */
  readonly response?: string
}

export const DEFAULT_TIMEOUT_MS = 5000
const USER_AGENT = "effect-rtsp-harness"
const INTERLEAVED_BACKLOG = 4096

/** The request whose reply is awaited: matched by CSeq, settled once (reply, failure or its own timer). */
interface AwaitedReply {
  readonly cseq: number
  readonly method: string
  readonly settle: (outcome: Effect.Effect<RtspResponse, RtspClientError>) => void
}

const openSocket = (host: string, port: number, timeoutMs: number, secure: TlsConnect | undefined): Effect.Effect<net.Socket, RtspClientError> =>
  openTcpSocket(host, port, timeoutMs, (reason, message) => new RtspClientError({ reason, message }), secure)

/** Opens the connection; it is closed when the scope closes. */
export const connect = (url: string, options: ConnectOptions = {}): Effect.Effect<RtspConnection, RtspClientError, Scope.Scope> =>
  Effect.gen(function* () {
    const target = parseRtspUrl(url)
    if (target === undefined) return yield* Effect.fail(new RtspClientError({ reason: "Connect", message: `not an rtsp:// URL: ${url}` }))
    const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const credentials: Credentials | undefined =
      options.username !== undefined ? { username: options.username, password: options.password ?? "" } : target.credentials
    const userAgent = options.userAgent ?? USER_AGENT

    let awaited: AwaitedReply | undefined
    const onInterleaved = options.onInterleaved
    // The queue behind `interleaved`, only for a caller that reads `$` frames that way.
    const frames = onInterleaved === undefined ? yield* Queue.sliding<InterleavedPayload>(INTERLEAVED_BACKLOG) : undefined
    let closedError: RtspClientError | undefined

    // Set when we close the connection ourselves: that is not a loss to report.
    let releasing = false
    const secure = target.secure === true ? { insecure: options.insecure === true } : undefined
    const socket = yield* Effect.acquireRelease(openSocket(target.host, target.port, defaultTimeout, secure), (s) =>
      Effect.sync(() => {
        releasing = true
        closeSocket(s)
      }).pipe(Effect.zipRight(frames === undefined ? Effect.void : Queue.shutdown(frames)))
    )

    // Called from socket callbacks: record the first reason the connection became unusable.
    const markClosed = (error: RtspClientError): void => {
      if (closedError !== undefined) return
      closedError = error
      awaited?.settle(Effect.fail(error))
      if (!releasing) options.onClosed?.(error)
    }
    // A reply nobody waits for, or to an earlier request that timed out (a lower CSeq), is stale: dropped.
    const onResponse = (response: RtspResponse): void => {
      if (awaited === undefined) return
      const got = getHeader(response.headers, "CSeq")
      if (got === undefined) awaited.settle(Effect.fail(protocolError(awaited.method, "response without CSeq")))
      else if (Number(got.trim()) === awaited.cseq) awaited.settle(Effect.succeed(response))
    }
    const parser = makeRtspParser()
    const classic = options.dialect === "classic"
    let idleTimer: NodeJS.Timeout | undefined
    const deliver = (items: ReadonlyArray<RtspParseResult>, arrivalMs: number): void => {
      for (const item of items) {
        switch (item._tag) {
          case "Response":
            onResponse(item)
            break
          case "Interleaved":
            if (onInterleaved !== undefined) onInterleaved(item.channel, item.payload, arrivalMs)
            else if (frames !== undefined) Queue.unsafeOffer(frames, { channel: item.channel, payload: item.payload })
            break
          case "Request":
            break // server-to-client requests (e.g. ANNOUNCE) are not used by the harness
          case "RtspParseError":
            markClosed(new RtspClientError({ reason: "Protocol", message: `unparseable data from server: ${item.message}` }))
            socket.destroy()
            break
        }
      }
    }
    socket.on("data", (chunk: Buffer) => {
      // A TLS socket still reads while it closes (closeSocket): nobody is listening by then.
      if (releasing) return
      deliver(parser.push(chunk), performance.now())
      if (classic && parser.hasPendingBytes()) {
        clearTimeout(idleTimer)
        idleTimer = setTimeout(() => deliver(parser.flushIdle(), performance.now()), CLASSIC_REPLY_IDLE_MS)
      }
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => clearTimeout(idleTimer)))
    socket.on("error", (error) => markClosed(new RtspClientError({ reason: "Closed", message: `connection error: ${error.message}` })))
    socket.on("close", () => markClosed(new RtspClientError({ reason: "Closed", message: "connection closed" })))

    const lock = yield* Effect.makeSemaphore(1)
    let cseq = 0
    let session: string | undefined
    let challenge: AuthChallenge | undefined
    let nonceCount = 0

    /** Writes the request and waits for the reply with its CSeq, at most `timeoutMs`. */
    const exchange = (bytes: Buffer, method: string, uri: string, cseqSent: number, timeoutMs: number): Effect.Effect<RtspResponse, RtspClientError> =>
      Effect.async<RtspResponse, RtspClientError>((resume) => {
        if (closedError !== undefined) return resume(Effect.fail(closedError))
        const timer = setTimeout(() => {
          awaited = undefined
          resume(Effect.fail(new RtspClientError({ reason: "Timeout", method, message: `${method} ${uri}: no response in ${timeoutMs} ms` })))
        }, timeoutMs)
        const reply: AwaitedReply = {
          cseq: cseqSent,
          method,
          settle: (outcome) => {
            clearTimeout(timer)
            awaited = undefined
            resume(outcome)
          }
        }
        awaited = reply
        socket.write(bytes)
        return Effect.sync(() => {
          clearTimeout(timer)
          if (awaited === reply) awaited = undefined
        })
      })

    const sendOnce = (method: string, uri: string, extra: Record<string, string>, timeoutMs: number, version: string | undefined, body: Buffer | undefined) =>
      Effect.gen(function* () {
        if (closedError !== undefined) return yield* Effect.fail(closedError)
        cseq += 1
        const headers: Array<readonly [string, string]> = classic ? [["CSeq", String(cseq)]] : [
          ["CSeq", String(cseq)],
          ["User-Agent", userAgent]
        ]
        if (session !== undefined && !Object.keys(extra).some((k) => k.toLowerCase() === "session")) headers.push(["Session", session])
        if (challenge !== undefined && credentials !== undefined && !classic) {
          nonceCount += 1
          const auth = authorizationFor(challenge, credentials, method, uri, nonceCount)
          if (Either.isLeft(auth)) return yield* Effect.fail(protocolError(method, `cannot answer the auth challenge: ${auth.left}`))
          headers.push(["Authorization", auth.right])
        }
        for (const [name, value] of Object.entries(extra)) headers.push([name, value])
        const bytes = classic
          ? serializeClassicRequest(method, classicTarget(uri), headers)
          : serializeRequest(makeRequest({ method, uri, headers, ...(version === undefined ? {} : { version }), ...(body === undefined ? {} : { body }) }))
        const onExchange = options.onExchange
        return yield* exchange(bytes, method, uri, cseq, timeoutMs).pipe(
          onExchange === undefined ? (e) => e : Effect.onExit((exit) =>
            Effect.sync(() =>
              onExchange({
                request: bytes.toString("utf8"),
                ...(exit._tag === "Success" ? { response: serializeResponse(exit.value).toString("utf8") } : {})
              })
            )
          )
        )
      })

    const request: RtspConnection["request"] = (method, url, headers = {}, requestOptions = {}) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const uri = stripCredentials(url)
          const timeoutMs = requestOptions.timeoutMs ?? defaultTimeout
          const started = performance.now()
          let response = yield* sendOnce(method, uri, headers, timeoutMs, requestOptions.version, requestOptions.body)
          if (response.statusCode === 401 && credentials !== undefined) {
            const offered = pickChallenge(getHeaders(response.headers, "WWW-Authenticate"))
            // Retry once, only with a new challenge (a stale nonce counts as new).
            if (offered !== undefined) {
              challenge = offered
              nonceCount = 0
              response = yield* sendOnce(method, uri, headers, timeoutMs, requestOptions.version, requestOptions.body)
            }
          }
          return {
            status: response.statusCode,
            reason: response.reason,
            headers: response.headers,
            body: response.body,
            elapsedMs: performance.now() - started
          }
        })
      )

    const call = (method: string, url: string, options: RequestOptions, extra: Record<string, string> = {}) =>
      request(method, url, { ...extra, ...(options.headers ?? {}) }, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }).pipe(
        Effect.flatMap((info) => ensureOk(method, info))
      )

    /** A SETUP whose reply parsed: its session is sent with every later request. */
    const remember = <A extends { readonly sessionId: string }>(result: A): A => {
      session = result.sessionId
      return result
    }

    const describe: RtspConnection["describe"] = (url, options = {}) =>
      call("DESCRIBE", url, options, { Accept: "application/sdp" }).pipe(Effect.flatMap((info) => describeReply(url, info)))

    const setupUdp: RtspConnection["setupUdp"] = (trackUrl, rtpPort, rtcpPort, options = {}) =>
      classic
        // The lab client's exact Transport header; classic replies carry no Transport.
        ? call("SETUP", trackUrl, options, { Transport: classicTransport(rtpPort) }).pipe(Effect.flatMap(classicSetupReply), Effect.map(remember))
        : call("SETUP", trackUrl, options, { Transport: udpTransportRequest(rtpPort, rtcpPort) }).pipe(Effect.flatMap(udpSetupReply), Effect.map(remember))

    const setupMulticast: RtspConnection["setupMulticast"] = (trackUrl, options = {}) =>
      // Not `call`: a 461 here gets its own words (multicastSetupReply), since nothing falls back.
      request("SETUP", trackUrl, { Transport: multicastTransportRequest(), ...(options.headers ?? {}) }, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }).pipe(
        Effect.flatMap(multicastSetupReply),
        Effect.map(remember)
      )

    const setupTcp: RtspConnection["setupTcp"] = (trackUrl, options = {}, firstChannel = 0) =>
      call("SETUP", trackUrl, options, { Transport: tcpTransportRequest(firstChannel) }).pipe(
        Effect.flatMap((info) => tcpSetupReply(info, firstChannel)),
        Effect.map(remember)
      )

    const play: RtspConnection["play"] = (url, options = {}) => call("PLAY", url, options).pipe(Effect.map(playReply))

    const pause: RtspConnection["pause"] = (url, options = {}) => call("PAUSE", url, options)

    const teardown: RtspConnection["teardown"] = (url, options = {}) =>
      call("TEARDOWN", url, options).pipe(Effect.tap(() => Effect.sync(() => (session = undefined))))

    return {
      request,
      describe,
      setupUdp,
      setupMulticast,
      setupTcp,
      play,
      pause,
      teardown,
      interleaved: frames === undefined ? Stream.empty : Stream.fromQueue(frames),
      sendInterleaved: (channel, payload) => {
        if (closedError === undefined) socket.write(serializeInterleaved(channel, payload))
      },
      sessionId: () => session
    } satisfies RtspConnection
  })
