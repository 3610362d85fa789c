/**
 * Batched receive for many UDP sockets (native/udpReceive.c): every socket
 * handed over here is read by one recvmmsg-based reactor per thread, which
 * wakes JavaScript once per batch instead of once per datagram. With UDP_GRO
 * the kernel delivers a GSO sender's run of equal-sized datagrams as one
 * buffer, handed over whole with its segment size (`forEachDatagram` splits
 * it), and with the time the kernel received it (SO_TIMESTAMPNS), not the
 * time this loop got to it. Where the addon is missing (another OS,
 * no compiler) or node:dgram hides its handle, the caller keeps node:dgram's
 * own receive, and `batchedReceiveAvailability` says why.
 */
import type * as Dgram from "node:dgram"
import { performance } from "node:perf_hooks"
import { fdOf, stopNodeReceive } from "./dgramHandle.js"
import { loadNativeAddon } from "./nativeAddon.js"

/**
 * What one receive brought: bytes [offset, offset + length) of `data`, valid only during the call
 * (the memory is reused). With GRO it may be several datagrams: every `segment` bytes one, the
 * last possibly shorter; segment 0 means one datagram.
 */
export type ReceiveHandler = (data: Buffer, offset: number, length: number, segment: number, arrivalMs: number) => void

/** The datagrams of one receive, in order: `each(start, length)` for every one of them. */
export const forEachDatagram = (offset: number, length: number, segment: number, each: (start: number, length: number) => void): void => {
  const step = segment > 0 && segment < length ? segment : length
  for (let at = offset, end = offset + length; at < end; at += step) each(at, Math.min(step, end - at))
}

export interface BatchedReceive {
  /** Whether the kernel coalesces runs of datagrams for this socket (UDP_GRO). */
  readonly gro: boolean
  /** Receives that failed (an error queued on the socket). */
  readonly errors: () => number
  /** Stops delivering; call before the socket closes. node:dgram does not read it again. */
  readonly stop: () => void
}

interface ReceiveAddon {
  readonly createReactor: (callback: (count: number) => void, slots: number, slotBytes: number) => [object, ArrayBuffer, ArrayBuffer]
  readonly watch: (reactor: object, fd: number, token: number) => number
  readonly unwatch: (reactor: object, fd: number) => number
  readonly enableGro: (fd: number) => number
  readonly enableTimestamps: (fd: number) => number
}

const isReceiveAddon = (candidate: object): candidate is ReceiveAddon =>
  ["createReactor", "watch", "unwatch", "enableGro", "enableTimestamps"].every((name) => typeof (candidate as Record<string, unknown>)[name] === "function")

/** A batch: 64 datagrams of up to 64 KiB (a GRO buffer is at most 64 KiB). */
const SLOTS = 64
const SLOT_BYTES = 65536
/** Per datagram: token, offset, length, GRO segment size, age in µs (native/udpReceive.c). */
const DESCRIPTOR_INTS = 5

interface Watcher {
  readonly handler: ReceiveHandler
  errors: number
}

interface Reactor {
  readonly addon: ReceiveAddon
  readonly handle: object
  readonly watchers: Array<Watcher | undefined>
  readonly freeTokens: Array<number>
}

let addonOrReason: ReceiveAddon | string | undefined
const addon = (): ReceiveAddon | string => {
  if (addonOrReason === undefined) {
    addonOrReason = process.platform === "linux" ? loadNativeAddon("udp_receive.node", isReceiveAddon) : `${process.platform} has no recvmmsg`
  }
  return addonOrReason
}

export const batchedReceiveAvailability = (): { readonly available: true } | { readonly available: false; readonly reason: string } => {
  const found = addon()
  return typeof found === "string" ? { available: false, reason: found } : { available: true }
}

/** The thread's reactor, made on first use (a worker thread has its own module state, so its own reactor). */
let reactor: Reactor | undefined
const theReactor = (found: ReceiveAddon): Reactor => {
  if (reactor !== undefined) return reactor
  const watchers: Array<Watcher | undefined> = []
  let data = Buffer.alloc(0)
  let descriptors = new Int32Array(0)
  const onBatch = (count: number): void => {
    const nowMs = performance.now()
    for (let i = 0; i < count; i++) {
      const d = DESCRIPTOR_INTS * i
      const watcher = watchers[descriptors[d]!]
      if (watcher === undefined) continue // Unwatched while its datagrams were in the batch.
      const offset = descriptors[d + 1]!
      const length = descriptors[d + 2]!
      const segment = descriptors[d + 3]!
      const ageMicros = descriptors[d + 4]!
      // The kernel's receive time where it gave one: true even when this loop was late to read.
      const arrivalMs = ageMicros >= 0 ? nowMs - ageMicros / 1000 : nowMs
      if (length < 0) {
        watcher.errors++
        continue
      }
      watcher.handler(data, offset, length, segment, arrivalMs)
    }
  }
  const [handle, dataMemory, descriptorMemory] = found.createReactor(onBatch, SLOTS, SLOT_BYTES)
  data = Buffer.from(dataMemory)
  descriptors = new Int32Array(descriptorMemory)
  reactor = { addon: found, handle, watchers, freeTokens: [] }
  return reactor
}

/**
 * Hands a bound socket's incoming datagrams to `handler` through the reactor, from now on
 * (node:dgram stops reading it). The answer is why not, where it cannot: the socket is then untouched.
 */
export const receiveBatched = (socket: Dgram.Socket, handler: ReceiveHandler): BatchedReceive | string => {
  const found = addon()
  if (typeof found === "string") return found
  const fd = fdOf(socket)
  if (fd === undefined) return "node:dgram does not show the socket's handle"
  const r = theReactor(found)
  const token = r.freeTokens.pop() ?? r.watchers.length
  const watcher: Watcher = { handler, errors: 0 }
  r.watchers[token] = watcher
  const watched = r.addon.watch(r.handle, fd, token)
  if (watched !== 0) {
    r.watchers[token] = undefined
    r.freeTokens.push(token)
    return `the reactor cannot watch the socket (errno ${-watched})`
  }
  if (!stopNodeReceive(socket)) {
    r.addon.unwatch(r.handle, fd)
    r.watchers[token] = undefined
    r.freeTokens.push(token)
    return "node:dgram's reading of the socket cannot be stopped"
  }
  const gro = r.addon.enableGro(fd) === 0
  r.addon.enableTimestamps(fd)
  let stopped = false
  return {
    gro,
    errors: () => watcher.errors,
    stop: () => {
      if (stopped) return
      stopped = true
      r.addon.unwatch(r.handle, fd)
      r.watchers[token] = undefined
      r.freeTokens.push(token)
    }
  }
}
