/**
 * How a frame's RTP datagrams leave the RTP socket. The fast path hands the
 * whole frame to the kernel in one sendmsg per run of equal-sized packets
 * (UDP GSO, native/udpGso.c); the plain path is one node:dgram send per
 * packet. Both send from the same socket, so from the announced server
 * port. The fast path is used only where the addon is built, the OS is
 * Linux and a probe datagram pair went out; an error that says the device
 * cannot segment (EIO and the like) moves the sender to the plain path for
 * good, and the frame is sent again on it.
 */
import { createRequire } from "node:module"
import { Effect } from "effect"
import { mapIpv4 } from "./address.js"
import type { UdpSocket } from "./UdpSocket.js"

export type UdpSendPath = { readonly _tag: "Gso" } | { readonly _tag: "Plain"; readonly reason: string }

export interface UdpFrameSender {
  /** Sends datagram i = headers[i*headerSize …] ++ payloads[i] for every payload, in order. */
  readonly sendFrame: (headers: Buffer, headerSize: number, payloads: ReadonlyArray<Buffer>, port: number, address: string) => void
  readonly path: () => UdpSendPath
  /** The reason the fast path was given up since the last call, once (for the log). */
  readonly takeFallback: () => string | undefined
}

interface GsoAddon {
  readonly sendFrame: (fd: number, ipv6: boolean, address: string, port: number, headers: Buffer, headerSize: number, payloads: ReadonlyArray<Buffer>) => number
}

/** Errors after which the fast path is given up: the device or kernel cannot segment. */
const FATAL_ERRNOS: ReadonlySet<number> = new Set([5 /* EIO */, 92 /* ENOPROTOOPT */, 95 /* EOPNOTSUPP */, 97 /* EAFNOSUPPORT */])
/** EINVAL is about one destination (a route whose MTU is below the segment size, an address the
 * native path cannot read): that frame goes the plain way, the others stay fast. */
const EINVAL = 22

const errnoName = (errno: number): string => ({ 5: "EIO", 11: "EAGAIN", 22: "EINVAL", 90: "EMSGSIZE", 92: "ENOPROTOOPT", 95: "EOPNOTSUPP", 97: "EAFNOSUPPORT", 105: "ENOBUFS" } as Record<number, string>)[errno] ?? `errno ${errno}`

const loadAddon = (): GsoAddon | string => {
  if (process.platform !== "linux") return `${process.platform} has no UDP GSO`
  const require = createRequire(import.meta.url)
  // From src/net (tests) or dist/src/net (the built server) to the project's build/.
  for (const candidate of ["../../build/udp_gso.node", "../../../build/udp_gso.node"]) {
    try {
      return require(candidate) as GsoAddon
    } catch {
      // Not at this depth.
    }
  }
  return "the native addon is not built (npm install builds it with the system C compiler)"
}

const plainSend = (socket: UdpSocket) => (headers: Buffer, headerSize: number, payloads: ReadonlyArray<Buffer>, port: number, address: string): void => {
  for (let i = 0; i < payloads.length; i++) {
    socket.send([headers.subarray(i * headerSize, (i + 1) * headerSize), payloads[i]!], port, address)
  }
}

const plainSender = (socket: UdpSocket, reason: string): UdpFrameSender => ({
  sendFrame: plainSend(socket),
  path: () => ({ _tag: "Plain", reason }),
  takeFallback: () => undefined
})

/** Two 1-byte-header datagrams to the socket itself: the fast path works here if they go out. */
const probe = (addon: GsoAddon, socket: UdpSocket, fd: number): string | undefined => {
  const self = socket.address === "0.0.0.0" ? "127.0.0.1" : socket.address === "::" ? "::1" : socket.address
  const result = addon.sendFrame(fd, socket.family === "IPv6", self, socket.port, Buffer.alloc(2), 1, [Buffer.alloc(15), Buffer.alloc(7)])
  return result >= 0 ? undefined : `the probe send failed: ${errnoName(-result)}`
}

/** The sender for an RTP socket; `batching: false` forces the plain path (comparison, tests). */
export const makeUdpFrameSender = (socket: UdpSocket, options: { readonly batching: boolean }): Effect.Effect<UdpFrameSender> =>
  Effect.sync(() => {
    if (!options.batching) return plainSender(socket, "turned off (--udp-batching off)")
    const addon = loadAddon()
    if (typeof addon === "string") return plainSender(socket, addon)
    const fd = socket.fd()
    if (fd === undefined) return plainSender(socket, "node:dgram does not show the socket's fd")
    const refused = probe(addon, socket, fd)
    if (refused !== undefined) return plainSender(socket, refused)

    const plain = plainSend(socket)
    const ipv6 = socket.family === "IPv6"
    let path: UdpSendPath = { _tag: "Gso" }
    let fallback: string | undefined
    return {
      sendFrame: (headers, headerSize, payloads, port, address) => {
        if (path._tag === "Plain") return plain(headers, headerSize, payloads, port, address)
        // A dual-stack socket reaches IPv4 peers at their mapped address (node:dgram does the same).
        const result = addon.sendFrame(fd, ipv6, ipv6 ? mapIpv4(address) : address, port, headers, headerSize, payloads)
        if (result >= 0) return
        const errno = -result
        if (FATAL_ERRNOS.has(errno)) {
          fallback = `the kernel answered ${errnoName(errno)} to a segmented send`
          path = { _tag: "Plain", reason: fallback }
          plain(headers, headerSize, payloads, port, address)
          return
        }
        if (errno === EINVAL) return plain(headers, headerSize, payloads, port, address)
        // A full send buffer or an unreachable peer: the rest of this frame is lost, as a datagram would be.
        socket.countSendError()
      },
      path: () => path,
      takeFallback: () => {
        const reason = fallback
        fallback = undefined
        return reason
      }
    }
  })
