/**
 * The RTSPS listener: a node:tls server whose sockets, once their handshake is done, go to the
 * same accept logic as plain TCP (RTP then travels interleaved inside the TLS connection). Each
 * handshake is counted (rtsp_tls_handshakes_total{result}); a failed one is logged with the
 * client's address and costs nothing else. Reloading swaps the secure context: new connections
 * get the new certificate, connections already open keep theirs.
 *
 * A socket counts against --max-connections from its first byte, handshake or not: past the limit
 * node drops it at once, so clients that connect and never handshake cannot pile up descriptors.
 */
import type { FileSystem } from "@effect/platform"
import { Socket } from "node:net"
import { createServer, type Server, type TLSSocket } from "node:tls"
import { type Clock, Effect, type Scope } from "effect"
import { unmapIpv4 } from "../net/address.js"
import { ServerStartError } from "./errors.js"
import type { ServerMetrics } from "./Metrics.js"
import { listenScoped } from "./listening.js"
import { describeIdentity, loadTlsIdentity, type TlsFiles, type TlsIdentity } from "./tlsFiles.js"

/** A client that connects and never finishes its handshake is dropped after this long. */
const HANDSHAKE_TIMEOUT_MS = 10_000

export interface TlsListenerOptions {
  readonly host: string
  readonly port: number
  readonly files: TlsFiles
  readonly fs: FileSystem.FileSystem
  readonly metrics: Pick<ServerMetrics, "guard">
  /** The TLS port's share of --max-connections: sockets past it are dropped before their handshake. */
  readonly maxConnections: number
  /** For the drop warning, logged at most once a second. */
  readonly clock: Clock.Clock
  /** Runs a log effect from a socket callback, on a fiber of the server's scope. */
  readonly run: (effect: Effect.Effect<void>) => void
  /** A socket whose handshake succeeded: the server's accept logic. */
  readonly accept: (socket: TLSSocket) => void
}

export interface TlsListener {
  readonly port: number
  /** Reads both files again; a pair that does not check out is logged and the one in force kept. */
  readonly reload: Effect.Effect<void>
}

const secureContextOf = (identity: TlsIdentity) => ({ cert: Buffer.from(identity.cert), key: Buffer.from(identity.key) })

/** OpenSSL's reason in words ("wrong version number": plain RTSP sent to the TLS port) and its code, without the source-file trail. */
const handshakeProblem = (error: Error & { readonly reason?: string; readonly code?: string }): string =>
  `${error.reason ?? error.message.trim()}${error.code === undefined ? "" : ` (${error.code})`}`

const label = (socket: Socket): string | undefined =>
  socket.remoteAddress === undefined ? undefined : `${unmapIpv4(socket.remoteAddress)}:${socket.remotePort ?? 0}`

/**
 * The client of a failed handshake. A client that rejects our certificate has hung up by then, and
 * the TLS socket no longer knows its address; the TCP socket under it (node's `_parent`, not typed)
 * was labelled when it connected.
 */
const peerOf = (socket: TLSSocket, connected: WeakMap<Socket, string>): string => {
  const parent: unknown = Reflect.get(socket, "_parent")
  return label(socket) ?? (parent instanceof Socket ? connected.get(parent) : undefined) ?? "unknown"
}

const listenOn = (options: TlsListenerOptions, identity: TlsIdentity): Effect.Effect<Server, ServerStartError, Scope.Scope> =>
  Effect.suspend(() => {
      const server = createServer({ ...secureContextOf(identity), handshakeTimeout: HANDSHAKE_TIMEOUT_MS })
      const connected = new WeakMap<Socket, string>()
      server.on("connection", (raw: Socket) => {
        const peer = label(raw)
        if (peer !== undefined) connected.set(raw, peer)
      })
      server.on("secureConnection", (socket: TLSSocket) => {
        options.metrics.guard("tlsHandshakes", "ok")
        options.accept(socket)
      })
      server.maxConnections = options.maxConnections
      let lastDropLog = Number.NEGATIVE_INFINITY
      server.on("drop", (dropped?: { readonly remoteAddress?: string; readonly remotePort?: number }) => {
        options.metrics.guard("limitRefusals", "connections")
        const now = options.clock.unsafeCurrentTimeMillis()
        if (now - lastDropLog < 1000) return
        lastDropLog = now
        const peer = dropped?.remoteAddress === undefined ? "unknown" : `${unmapIpv4(dropped.remoteAddress)}:${dropped.remotePort ?? 0}`
        options.run(Effect.logWarning(`RTSPS connection dropped: the TLS port holds its limit of ${options.maxConnections} connections`).pipe(Effect.annotateLogs({ peer })))
      })
      server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
        options.metrics.guard("tlsHandshakes", "failed")
        options.run(Effect.logWarning(`TLS handshake failed: ${handshakeProblem(error)}`).pipe(Effect.annotateLogs({ peer: peerOf(socket, connected) })))
        socket.destroy()
      })
      return listenScoped(server, options.host, options.port, "for RTSPS on")
    })

export const listenTls = (options: TlsListenerOptions): Effect.Effect<TlsListener, ServerStartError, Scope.Scope> =>
  Effect.gen(function* () {
    const identity = yield* loadTlsIdentity(options.fs, options.files).pipe(
      Effect.mapError((error) => new ServerStartError({ reason: "Tls", message: error.message }))
    )
    const server = yield* listenOn(options, identity)
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : options.port
    yield* Effect.logInfo(`RTSPS (TLS) on ${options.host}:${port}, ${describeIdentity(identity)}`)
    const reload = Effect.either(loadTlsIdentity(options.fs, options.files)).pipe(
      Effect.flatMap((loaded) => {
        if (loaded._tag === "Left") return Effect.logError(`TLS certificate not reloaded, the one in force is kept: ${loaded.left.message}`)
        server.setSecureContext(secureContextOf(loaded.right))
        return Effect.logInfo(`TLS certificate reloaded: ${describeIdentity(loaded.right)}`)
      })
    )
    return { port, reload }
  })
