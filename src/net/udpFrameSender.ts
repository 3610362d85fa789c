/**
 * How a frame's RTP datagrams leave the RTP socket. The fast path queues
 * frames and hands every frame queued in one event-loop turn, whichever
 * viewer it goes to, to the kernel at the end of the turn: one sendmmsg whose
 * messages are runs of equal-sized packets, each segmented by the kernel (UDP
 * GSO, native/udpGso.c). Sessions keep their own fibers and schedules; only
 * the syscalls are batched. The plain path is one node:dgram send per packet.
 * Both send from the same socket, so from the announced server port. The
 * fast path is used only where the addon is built, the OS is Linux and a
 * probe datagram pair went out; an error that says the device cannot
 * segment (EIO and the like) moves the sender to the plain path for good,
 * and the frames are sent again on it.
 */
import { Effect, type Scope } from "effect"
import { mapIpv4 } from "./address.js"
import { loadNativeAddon } from "./nativeAddon.js"
import type { UdpSocket } from "./UdpSocket.js"

export type UdpSendPath = { readonly _tag: "Gso" } | { readonly _tag: "Plain"; readonly reason: string }

export interface UdpFrameSender {
  /**
   * Room for one frame's headers, `bytes` long, to fill and pass to sendFrame before asking
   * again. On the fast path it is reused memory (no allocation per frame's headers).
   */
  readonly headerBuffer: (bytes: number) => Buffer
  /** Sends datagram i = headers[i*headerSize …] ++ payloads[i] for every payload, in order. */
  readonly sendFrame: (headers: Buffer, headerSize: number, payloads: ReadonlyArray<Buffer>, port: number, address: string) => void
  /** Sends the frames queued so far now, rather than at the end of this event-loop turn. */
  readonly flush: () => void
  readonly path: () => UdpSendPath
  /** The reason the fast path was given up since the last call, once (for the log). */
  readonly takeFallback: () => string | undefined
}

interface GsoAddon {
  readonly sendFrames: (
    fd: number,
    ipv6: boolean,
    count: number,
    addresses: ReadonlyArray<string>,
    ports: Int32Array,
    headers: Buffer,
    headerOffsets: Int32Array,
    headerSize: number,
    payloadLists: ReadonlyArray<ReadonlyArray<Buffer>>,
    results: Int32Array
  ) => number
}

/** Errors after which the fast path is given up: the device or kernel cannot segment. */
const FATAL_ERRNOS: ReadonlySet<number> = new Set([5 /* EIO */, 92 /* ENOPROTOOPT */, 95 /* EOPNOTSUPP */, 97 /* EAFNOSUPPORT */])
/** Errors about one frame (a route whose MTU is below the segment size, an address the native
 * path cannot read, a datagram above its message limit): that frame goes the plain way. */
const RESEND_PLAIN_ERRNOS: ReadonlySet<number> = new Set([22 /* EINVAL */, 90 /* EMSGSIZE */])

const errnoName = (errno: number): string => ({ 5: "EIO", 11: "EAGAIN", 12: "ENOMEM", 22: "EINVAL", 90: "EMSGSIZE", 92: "ENOPROTOOPT", 95: "EOPNOTSUPP", 97: "EAFNOSUPPORT", 105: "ENOBUFS" } as Record<number, string>)[errno] ?? `errno ${errno}`

/** Headers of the frames queued in one turn (default); a turn that needs more is sent in parts. */
const ARENA_BYTES = 512 * 1024
const INITIAL_QUEUE_FRAMES = 256

const isGsoAddon = (candidate: object): candidate is GsoAddon => typeof (candidate as Partial<GsoAddon>).sendFrames === "function"

const loadAddon = (): GsoAddon | string =>
  process.platform === "linux" ? loadNativeAddon("udp_gso.node", isGsoAddon) : `${process.platform} has no UDP GSO`

const plainSend = (socket: UdpSocket) => (headers: Buffer, headerSize: number, payloads: ReadonlyArray<Buffer>, port: number, address: string): void => {
  for (let i = 0; i < payloads.length; i++) {
    socket.send([headers.subarray(i * headerSize, (i + 1) * headerSize), payloads[i]!], port, address)
  }
}

// node:dgram may still hold a buffer after send returns, so the plain path never reuses one.
const freshBuffer = (bytes: number): Buffer => Buffer.allocUnsafe(bytes)

const plainSender = (socket: UdpSocket, reason: string): UdpFrameSender => ({
  headerBuffer: freshBuffer,
  sendFrame: plainSend(socket),
  flush: () => {},
  path: () => ({ _tag: "Plain", reason }),
  takeFallback: () => undefined
})

/** Two 1-byte-header datagrams to the socket itself: the fast path works here if they go out. */
const probe = (addon: GsoAddon, socket: UdpSocket, fd: number): string | undefined => {
  const self = socket.address === "0.0.0.0" ? "127.0.0.1" : socket.address === "::" ? "::1" : socket.address
  const results = new Int32Array(1)
  const calls = addon.sendFrames(fd, socket.family === "IPv6", 1, [self], Int32Array.of(socket.port), Buffer.alloc(2), Int32Array.of(0), 1, [[Buffer.alloc(15), Buffer.alloc(7)]], results)
  if (calls < 0) return `the probe send failed: ${errnoName(-calls)}`
  return results[0] === 0 ? undefined : `the probe send failed: ${errnoName(-results[0]!)}`
}

/** The frames waiting for the end of the turn, in parallel arrays the addon reads as they are. */
const makeQueue = (arenaBytes: number) => {
  let capacity = INITIAL_QUEUE_FRAMES
  const q = {
    count: 0,
    headerSize: 0,
    arena: Buffer.allocUnsafeSlow(arenaBytes),
    arenaUsed: 0,
    addresses: new Array<string>(capacity),
    payloads: new Array<ReadonlyArray<Buffer>>(capacity),
    ports: new Int32Array(capacity),
    offsets: new Int32Array(capacity),
    results: new Int32Array(capacity),
    grow: () => {
      capacity *= 2
      const grown = (old: Int32Array) => {
        const next = new Int32Array(capacity)
        next.set(old)
        return next
      }
      q.ports = grown(q.ports)
      q.offsets = grown(q.offsets)
      q.results = new Int32Array(capacity)
    },
    capacity: () => capacity
  }
  return q
}

export interface UdpFrameSenderOptions {
  /** false forces the plain path (comparison, tests). */
  readonly batching: boolean
  /** Bytes of headers queued before a turn's frames are sent in parts (default 512 KiB). */
  readonly queueBytes?: number
}

/** The sender for an RTP socket, for the socket's lifetime. */
export const makeUdpFrameSender = (socket: UdpSocket, options: UdpFrameSenderOptions): Effect.Effect<UdpFrameSender, never, Scope.Scope> =>
  Effect.gen(function*() {
    if (!options.batching) return plainSender(socket, "turned off (--udp-batching off)")
    const addon = loadAddon()
    if (typeof addon === "string") return plainSender(socket, addon)
    const fd = socket.fd()
    if (fd === undefined) return plainSender(socket, "node:dgram does not show the socket's fd")
    const refused = probe(addon, socket, fd)
    if (refused !== undefined) return plainSender(socket, refused)

    const plain = plainSend(socket)
    const ipv6 = socket.family === "IPv6"
    const queue = makeQueue(options.queueBytes ?? ARENA_BYTES)
    let path: UdpSendPath = { _tag: "Gso" }
    let fallback: string | undefined
    let pending: NodeJS.Immediate | undefined

    /** Frame f of the batch just sent, again on the plain path (its headers copied: dgram may keep them). */
    const resendPlain = (f: number, packets: number): void => {
      const offset = queue.offsets[f]!
      const headers = Buffer.from(queue.arena.subarray(offset, offset + queue.headerSize * packets))
      plain(headers, queue.headerSize, queue.payloads[f]!, queue.ports[f]!, queue.addresses[f]!)
    }

    const flush = (): void => {
      if (pending !== undefined) {
        clearImmediate(pending)
        pending = undefined
      }
      const count = queue.count
      if (count === 0) return
      const calls = addon.sendFrames(fd, ipv6, count, queue.addresses, queue.ports, queue.arena, queue.offsets, queue.headerSize, queue.payloads, queue.results)
      for (let f = 0; f < count; f++) {
        const errno = calls < 0 ? -calls : -queue.results[f]!
        if (errno === 0) continue
        if (FATAL_ERRNOS.has(errno) && path._tag === "Gso") {
          fallback = `the kernel answered ${errnoName(errno)} to a segmented send`
          path = { _tag: "Plain", reason: fallback }
        }
        if (path._tag === "Plain" || RESEND_PLAIN_ERRNOS.has(errno)) resendPlain(f, queue.payloads[f]!.length)
        // A full send buffer or an unreachable peer: the rest of this frame is lost, as a datagram would be.
        else socket.countSendError()
      }
      queue.count = 0
      queue.arenaUsed = 0
    }

    yield* Effect.addFinalizer(() => Effect.sync(flush))

    return {
      headerBuffer: (bytes) => {
        if (path._tag === "Plain" || bytes > queue.arena.length) return freshBuffer(bytes)
        if (queue.arenaUsed + bytes > queue.arena.length) flush()
        return queue.arena.subarray(queue.arenaUsed, queue.arenaUsed + bytes)
      },
      sendFrame: (headers, headerSize, payloads, port, address) => {
        const bytes = headerSize * payloads.length
        if (path._tag === "Plain" || bytes > queue.arena.length) return plain(headers, headerSize, payloads, port, address)
        if (queue.count > 0 && headerSize !== queue.headerSize) flush()
        const lent = headers.buffer === queue.arena.buffer && headers.byteOffset === queue.arena.byteOffset + queue.arenaUsed
        if (!lent) {
          // Headers from elsewhere are copied in, so the queue never holds memory it does not own.
          if (queue.arenaUsed + bytes > queue.arena.length) flush()
          headers.copy(queue.arena, queue.arenaUsed, 0, bytes)
        }
        if (queue.count === queue.capacity()) queue.grow()
        const f = queue.count++
        queue.headerSize = headerSize
        queue.addresses[f] = ipv6 ? mapIpv4(address) : address
        queue.ports[f] = port
        queue.offsets[f] = queue.arenaUsed
        queue.payloads[f] = payloads
        queue.arenaUsed += bytes
        if (pending === undefined) pending = setImmediate(flush)
      },
      flush,
      path: () => path,
      takeFallback: () => {
        const reason = fallback
        fallback = undefined
        return reason
      }
    }
  })
