/**
 * node:dgram as an Effect resource (@effect/platform has no UDP). Binding is
 * an Effect; closing is the scope's finalizer; sending is a plain function
 * (the per-packet hot path allocates no Effect); receiving is a Stream over a
 * bounded sliding buffer filled from bind time, so nothing that arrives
 * between bind and the first pull is lost, and a lagging consumer loses the
 * oldest datagrams, counted, never memory. With a multicast group the socket joins it once
 * bound, and shares its port with the host's other receivers of the group (each gets a copy).
 */
import { Data, Effect, ExecutionStrategy, Exit, Mailbox, Option, Scope, type Stream } from "effect"
import * as Dgram from "node:dgram"
import { isIP, isIPv6 } from "node:net"
import { messageOf } from "../common/errorText.js"
import { fdOf, startNodeReceive } from "./dgramHandle.js"
import { isMulticastAddress } from "./multicastAddress.js"
import { type BatchedReceive, forEachDatagram, type ReceiveHandler, receiveBatched } from "./udpBatchReceive.js"

export interface UdpMessage {
  readonly data: Buffer
  readonly address: string
  readonly port: number
}

export class UdpSocketError extends Data.TaggedError("UdpSocketError")<{
  readonly reason: "Bind" | "Send" | "Multicast"
  readonly message: string
  readonly cause?: unknown
}> {}

export interface UdpSocket {
  readonly port: number
  readonly address: string
  /** Hot path: fire-and-forget, no Effect allocated per packet. Send errors are counted, never thrown. */
  readonly send: (buffers: ReadonlyArray<Uint8Array>, port: number, address: string) => void
  /** Sends that failed (bad destination, socket closed, an error from the OS), and any other socket error after bind. */
  readonly sendErrors: () => number
  /**
   * Incoming datagrams since bind; a bounded sliding buffer (drops oldest when the consumer lags).
   * Meant for ONE consumer: two consumers would split the datagrams between them. Ends when the socket closes.
   */
  readonly messages: Stream.Stream<UdpMessage>
  /** Datagrams dropped from the receive buffer because the consumer lagged. */
  readonly receiveDrops: () => number
  /**
   * The hot path for receivers of many datagrams (the harness's RTP): from now on each datagram is
   * handed to `handler` synchronously, with its arrival time on performance.now()'s clock, and no
   * longer buffered for `messages`. Plain: in the socket's "message" event, timed there. Batched:
   * from the thread's receiver, timed by the kernel. The answer says which. The handler must not throw.
   */
  readonly deliverTo: (handler: (data: Buffer, arrivalMs: number) => void, options?: DeliveryOptions) => UdpReceivePath
  /**
   * deliverTo for a handler that reads each datagram during the call and keeps none of it: the
   * datagram is bytes [offset, offset + length) of `data`, which is reused afterwards, so the
   * batched path copies nothing.
   */
  readonly deliverTransientTo: (handler: TransientHandler, options?: DeliveryOptions) => UdpReceivePath
  /** The OS socket behind it, for the native send path; undefined where node does not show it. */
  readonly fd: () => number | undefined
  readonly family: "IPv4" | "IPv6"
  /** Counts a failed send made around node (the native path), so sendErrors covers every path. */
  readonly countSendError: () => void
}

export interface DeliveryOptions {
  /**
   * Read through the thread's batched receiver (recvmmsg, and UDP_GRO where the kernel has it;
   * src/net/udpBatchReceive.ts) where it is available; plain node:dgram otherwise or when false.
   */
  readonly batched?: boolean | undefined
}

export type TransientHandler = (data: Buffer, offset: number, length: number, arrivalMs: number) => void

export type UdpReceivePath =
  | { readonly _tag: "Batched"; readonly gro: boolean }
  | { readonly _tag: "Plain"; readonly reason: string }

export interface UdpSocketOptions {
  readonly host: string
  /** 0 = any free port. */
  readonly port: number
  /** SO_RCVBUF; the OS may cap it (Linux: net.core.rmem_max). */
  readonly receiveBufferBytes?: number | undefined
  /** SO_SNDBUF; the OS may cap it (Linux: net.core.wmem_max). */
  readonly sendBufferBytes?: number | undefined
  /** Datagrams held for `messages` before the oldest are dropped (default 1024). */
  readonly messageBufferSize?: number | undefined
  /**
   * Joins this group once bound (bind `host` to it on Linux: see multicastBindHost). The port is
   * then bound shared (SO_REUSEADDR), so several receivers on one host each get every datagram.
   */
  readonly multicastGroup?: string | undefined
  /** IP_MULTICAST_TTL of what this socket sends to a group, 0 to 255 (the OS default is 1). */
  readonly multicastTtl?: number | undefined
  /** The local interface address that joins the group and sends multicast (default: the route's). */
  readonly multicastInterface?: string | undefined
}

export const DEFAULT_MESSAGE_BUFFER_SIZE = 1024

const multicastError = (message: string, cause?: unknown): UdpSocketError =>
  new UdpSocketError({ reason: "Multicast", message, ...(cause === undefined ? {} : { cause }) })

/** The multicast options' mistakes, found before anything is bound. */
const multicastOptionsProblem = (options: UdpSocketOptions): UdpSocketError | undefined => {
  const { multicastGroup: group, multicastTtl: ttl, multicastInterface: iface } = options
  if (group !== undefined) {
    const joining = `cannot join multicast group ${group} on port ${options.port}`
    if (!isMulticastAddress(group)) return multicastError(`${joining}: not a multicast address (IPv4 224.0.0.0/4, IPv6 ff00::/8)`)
    if (isIPv6(group) !== isIPv6(options.host)) return multicastError(`${joining}: the group and the bind address ${options.host} are not the same IP version`)
  }
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 0 && ttl <= 255)) {
    return multicastError(`cannot set multicast TTL ${ttl} on UDP ${options.host}:${options.port}: not 0 to 255`)
  }
  if (iface !== undefined && isIP(iface) === 0) {
    return multicastError(`cannot use ${iface} as the multicast interface of UDP ${options.host}:${options.port}: not an IP address`)
  }
  return undefined
}

/** Applies the multicast options to a bound socket (node throws on a failure): the first failure, or undefined. */
const applyMulticast = (socket: Dgram.Socket, options: UdpSocketOptions): UdpSocketError | undefined => {
  const { multicastGroup: group, multicastTtl: ttl, multicastInterface: iface } = options
  const where = `UDP ${options.host}:${socket.address().port}`
  const attempt = (failing: string, step: () => void): UdpSocketError | undefined => {
    try {
      step()
      return undefined
    } catch (error) {
      return multicastError(`${failing}: ${messageOf(error)}`, error)
    }
  }
  return (iface === undefined ? undefined : attempt(`cannot use ${iface} as the multicast interface of ${where}`, () => socket.setMulticastInterface(iface))) ??
    (ttl === undefined ? undefined : attempt(`cannot set multicast TTL ${ttl} on ${where}`, () => socket.setMulticastTTL(ttl))) ??
    (group === undefined ? undefined : attempt(`cannot join multicast group ${group} on port ${socket.address().port}`, () => socket.addMembership(group, iface)))
}

/**
 * Binds, resolving once: on "listening" or on the first "error"; both listeners removed either way.
 * The multicast options are applied on "listening", so a socket that cannot join is closed here.
 * `onBound` runs synchronously on "listening", before a datagram or a later error can be emitted unheard.
 */
const bind = (options: UdpSocketOptions, onBound: (socket: Dgram.Socket) => void): Effect.Effect<Dgram.Socket, UdpSocketError> =>
  Effect.async<Dgram.Socket, UdpSocketError>((resume) => {
    // A group's receivers share the port: every socket bound to it gets each datagram.
    const shared = options.multicastGroup !== undefined
    const socket = Dgram.createSocket({ type: isIPv6(options.host) ? "udp6" : "udp4", reuseAddr: shared })
    const cleanup = () => {
      socket.off("listening", onListening)
      socket.off("error", onError)
    }
    const onListening = () => {
      cleanup()
      const refused = applyMulticast(socket, options)
      if (refused !== undefined) {
        closeQuietly(socket)
        return resume(Effect.fail(refused))
      }
      onBound(socket)
      resume(Effect.succeed(socket))
    }
    const onError = (error: Error) => {
      cleanup()
      closeQuietly(socket)
      resume(Effect.fail(new UdpSocketError({ reason: "Bind", message: `cannot bind UDP ${options.host}:${options.port}: ${error.message}`, cause: error })))
    }
    socket.once("listening", onListening)
    socket.once("error", onError)
    try {
      // exclusive: in a cluster worker the socket is its own, never one handle shared through the
      // primary (which would give every worker the same port and split the datagrams between them).
      // A group's receivers are the exception: SO_REUSEADDR makes the kernel copy to each of them.
      socket.bind({ port: options.port, address: options.host, exclusive: !shared })
    } catch (error) {
      // Bad arguments throw instead of emitting "error".
      cleanup()
      closeQuietly(socket)
      resume(Effect.fail(new UdpSocketError({ reason: "Bind", message: `cannot bind UDP ${options.host}:${options.port}: ${messageOf(error)}`, cause: error })))
    }
    // Interrupted while binding: the socket never reaches the caller, so close it here.
    return Effect.sync(() => {
      cleanup()
      closeQuietly(socket)
    })
  })

/**
 * Received bytes copied into one shared slab, carved in order: one ArrayBuffer per SLAB_BYTES of
 * traffic rather than one per datagram (node's own pool is 8 KiB, a frame and a half). A slab is
 * freed when the last datagram cut from it is.
 */
const SLAB_BYTES = 512 * 1024
let slab = Buffer.allocUnsafeSlow(0)
let slabUsed = 0
const copyOut = (data: Buffer, offset: number, length: number): Buffer => {
  if (length > SLAB_BYTES / 8) return Buffer.from(data.subarray(offset, offset + length))
  if (slabUsed + length > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
    slabUsed = 0
  }
  const copy = slab.subarray(slabUsed, slabUsed + length)
  data.copy(copy, 0, offset, offset + length)
  // Aligned to 8 bytes, so typed-array views over a datagram stay possible.
  slabUsed += (length + 7) & ~7
  return copy
}

const closeQuietly = (socket: Dgram.Socket): void => {
  try {
    socket.close()
  } catch {
    // Already closed: nothing left to release.
  }
}

const close = (socket: Dgram.Socket): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    try {
      socket.close(() => resume(Effect.void))
    } catch {
      resume(Effect.void)
    }
  })

/** Buffer sizes are a wish: a failure is logged, and the socket still works with the OS default. */
const setBufferSizes = (socket: Dgram.Socket, options: UdpSocketOptions): Effect.Effect<void> =>
  Effect.gen(function*() {
    const wishes: ReadonlyArray<readonly [string, number | undefined, (n: number) => void]> = [
      ["receive", options.receiveBufferBytes, (n) => socket.setRecvBufferSize(n)],
      ["send", options.sendBufferBytes, (n) => socket.setSendBufferSize(n)]
    ]
    for (const [name, bytes, set] of wishes) {
      if (bytes === undefined) continue
      const failed = yield* Effect.try(() => set(bytes)).pipe(Effect.flip, Effect.option)
      if (Option.isSome(failed)) {
        yield* Effect.logWarning(`UDP ${options.host}:${options.port}: cannot set the ${name} buffer to ${bytes} bytes: ${messageOf(failed.value.error)}`)
      }
    }
  })

export const makeUdpSocket = (options: UdpSocketOptions): Effect.Effect<UdpSocket, UdpSocketError, Scope.Scope> =>
  Effect.gen(function*() {
    // node:dgram would silently bind 70000 as 4464 (port & 0xffff).
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      return yield* new UdpSocketError({ reason: "Bind", message: `cannot bind UDP ${options.host}:${options.port}: not a port number (0 to 65535)` })
    }
    const multicastProblem = multicastOptionsProblem(options)
    if (multicastProblem !== undefined) return yield* multicastProblem
    const capacity = Math.max(1, options.messageBufferSize ?? DEFAULT_MESSAGE_BUFFER_SIZE)
    const mailbox = yield* Mailbox.make<UdpMessage>({ capacity, strategy: "sliding" })
    let sendErrors = 0
    let receiveDrops = 0
    const countError = (error: Error | null): void => {
      if (error !== null) sendErrors++
    }
    const onMessage = (data: Buffer, remote: Dgram.RemoteInfo): void => {
      const size = mailbox.unsafeSize()
      if (Option.isSome(size) && size.value >= capacity) receiveDrops++
      mailbox.unsafeOffer({ data, address: remote.address, port: remote.port })
    }
    const onClose = (): void => {
      mailbox.unsafeDone(Exit.void)
    }
    const attach = (socket: Dgram.Socket): void => {
      socket.on("message", onMessage)
      // Asynchronous send errors arrive here (no callback per packet: that costs a closure and a
      // nextTick on the hot path); counting them also keeps an error event from crashing the process.
      socket.on("error", countError)
      socket.once("close", onClose)
    }
    let direct: ((data: Buffer) => void) | undefined
    let batched: BatchedReceive | undefined
    const detach = (socket: Dgram.Socket): void => {
      batched?.stop()
      socket.off("message", onMessage)
      if (direct !== undefined) socket.off("message", direct)
      socket.off("error", countError)
      socket.off("close", onClose)
      mailbox.unsafeDone(Exit.void)
    }
    // One release: stop listening, end the stream, then close and wait for it.
    const socket = yield* Effect.acquireRelease(bind(options, attach), (socket) =>
      Effect.zipRight(Effect.sync(() => detach(socket)), close(socket)))
    yield* setBufferSizes(socket, options)

    const send = (buffers: ReadonlyArray<Uint8Array>, port: number, address: string): void => {
      try {
        socket.send(buffers, port, address)
      } catch {
        // Closed socket, bad port or address: thrown synchronously by node.
        sendErrors++
      }
    }

    /** Moves the socket's datagrams to `batchedHandler` or, where that cannot be, to `plainHandler`. */
    const deliverWith = (batchedHandler: ReceiveHandler, plainHandler: (data: Buffer) => void, delivery: DeliveryOptions): UdpReceivePath => {
      socket.off("message", onMessage)
      if (direct !== undefined) socket.off("message", direct)
      if (batched !== undefined) {
        batched.stop()
        batched = undefined
        startNodeReceive(socket)
      }
      const deliverPlain = (reason: string): UdpReceivePath => {
        direct = plainHandler
        socket.on("message", direct)
        return { _tag: "Plain", reason }
      }
      if (delivery.batched !== true) return deliverPlain("batched receive not asked for")
      const outcome = receiveBatched(socket, batchedHandler)
      if (typeof outcome === "string") return deliverPlain(outcome)
      batched = outcome
      return { _tag: "Batched", gro: outcome.gro }
    }

    const deliverTo = (handler: (data: Buffer, arrivalMs: number) => void, delivery: DeliveryOptions = {}): UdpReceivePath =>
      deliverWith(
        // The batch's memory is reused, so each receive (a whole GRO run) is copied out once for the handler to keep.
        (data, offset, length, segment, arrivalMs) => {
          const copy = copyOut(data, offset, length)
          forEachDatagram(0, length, segment, (start, size) => handler(copy.subarray(start, start + size), arrivalMs))
        },
        (data) => handler(data, performance.now()),
        delivery
      )

    const deliverTransientTo = (handler: TransientHandler, delivery: DeliveryOptions = {}): UdpReceivePath =>
      deliverWith(
        (data, offset, length, segment, arrivalMs) => forEachDatagram(offset, length, segment, (start, size) => handler(data, start, size, arrivalMs)),
        (data) => handler(data, 0, data.length, performance.now()),
        delivery
      )

    const bound = socket.address()
    return {
      fd: () => fdOf(socket),
      family: bound.family === "IPv6" ? "IPv6" : "IPv4",
      countSendError: () => {
        sendErrors++
      },
      port: bound.port,
      address: bound.address,
      send,
      sendErrors: () => sendErrors,
      messages: Mailbox.toStream(mailbox),
      receiveDrops: () => receiveDrops,
      deliverTo,
      deliverTransientTo
    }
  })

export interface UdpSocketPairOptions extends Omit<UdpSocketOptions, "port"> {
  /** The RTP port (even; RTCP is the next). 0 = find a free even/odd pair. */
  readonly port: number
  /** Bind exactly `port` and this RTCP port, even or odd (a multicast group's ports are the server's choice). */
  readonly rtcpPort?: number | undefined
  /** Tries at finding a free pair when `port` is 0 (default 20). */
  readonly attempts?: number | undefined
}

export interface UdpSocketPair {
  readonly rtp: UdpSocket
  readonly rtcp: UdpSocket
}

export const DEFAULT_PAIR_ATTEMPTS = 20

/** Runs `effect` in a child of the current scope that is closed at once if `effect` fails, so a half-bound pair releases its socket. */
const inChildScope = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Effect.Effect<A, E, Scope.Scope> =>
  Effect.gen(function*() {
    const parent = yield* Effect.scope
    const child = yield* Scope.fork(parent, ExecutionStrategy.sequential)
    return yield* effect.pipe(
      Scope.extend(child),
      Effect.onExit((exit) => (Exit.isFailure(exit) ? Scope.close(child, exit) : Effect.void))
    )
  })

/** RTP/RTCP pair on consecutive ports (even RTP port). port 0 = find a free even/odd pair (retry a bounded number of times). */
export const makeUdpSocketPair = (options: UdpSocketPairOptions): Effect.Effect<UdpSocketPair, UdpSocketError, Scope.Scope> => {
  const at = (port: number) => makeUdpSocket({ ...options, port })
  if (options.rtcpPort !== undefined) return inChildScope(Effect.all({ rtp: at(options.port), rtcp: at(options.rtcpPort) }))
  if (options.port !== 0) {
    if (options.port % 2 !== 0) {
      return Effect.fail(new UdpSocketError({ reason: "Bind", message: `the RTP port must be even (RTCP takes the next one); got ${options.port}` }))
    }
    return inChildScope(Effect.all({ rtp: at(options.port), rtcp: at(options.port + 1) }))
  }
  // Let the OS pick one port, then claim its partner: above it when it is even, below it when it is odd.
  const attempt = inChildScope(Effect.gen(function*() {
    const first = yield* at(0)
    if (first.port % 2 === 0) return { rtp: first, rtcp: yield* at(first.port + 1) }
    return { rtp: yield* at(first.port - 1), rtcp: first }
  }))
  const attempts = Math.max(1, options.attempts ?? DEFAULT_PAIR_ATTEMPTS)
  return attempt.pipe(
    Effect.retry({ times: attempts - 1 }),
    Effect.mapError((error) =>
      new UdpSocketError({ reason: "Bind", message: `no free UDP port pair on ${options.host} after ${attempts} tries: ${error.message}`, cause: error })
    )
  )
}
