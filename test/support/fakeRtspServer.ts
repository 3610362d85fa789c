/**
 * Small scripted RTSP servers on 127.0.0.1 for the harness tests: each request is answered by
 * a function (or not at all, or by closing the connection). Closed with the scope, accepted
 * sockets included.
 */
import { Effect, type Scope } from "effect"
import * as net from "node:net"
import { getHeader, reasonPhrase, type RtspRequest } from "../../src/protocol/rtsp/message.js"
import { makeRtspParser } from "../../src/protocol/rtsp/parser.js"

export interface FakeReply {
  readonly status: number
  readonly headers?: ReadonlyArray<string>
  readonly body?: string
}

/** A reply, "silent" (never answer) or "close" (drop the connection). */
export type FakeAction = FakeReply | "silent" | "close"

export interface FakeConnection {
  readonly socket: net.Socket
  /** Per-connection state for the script. */
  readonly state: Map<string, unknown>
}

/**
 * A TCP server on 127.0.0.1 port 0 that hands each accepted socket to `onConnection`; closed with
 * the scope, accepted sockets destroyed first (a paused socket never sees the client's FIN, so
 * close() alone could wait forever).
 */
export const fakeTcpServer = (onConnection: (socket: net.Socket) => void): Effect.Effect<number, never, Scope.Scope> => {
  const sockets = new Set<net.Socket>()
  return Effect.acquireRelease(
    Effect.async<net.Server>((resume) => {
      const server = net.createServer((socket) => {
        sockets.add(socket)
        socket.on("error", () => undefined)
        socket.on("close", () => sockets.delete(socket))
        onConnection(socket)
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map((server) => (server.address() as net.AddressInfo).port))
}

export const fakeRtspServer = (answer: (request: RtspRequest, conn: FakeConnection) => FakeAction): Effect.Effect<number, never, Scope.Scope> =>
  fakeTcpServer((socket) => {
    const parser = makeRtspParser()
    const conn: FakeConnection = { socket, state: new Map() }
    socket.on("data", (chunk: Buffer) => {
      for (const item of parser.push(chunk)) {
        if (item._tag !== "Request") continue
        const action = answer(item, conn)
        if (action === "silent") continue
        if (action === "close") {
          socket.destroy()
          return
        }
        const body = Buffer.from(action.body ?? "", "utf8")
        const lines = [
          `RTSP/1.0 ${action.status} ${reasonPhrase(action.status)}`,
          ...(getHeader(item.headers, "CSeq") === undefined ? [] : [`CSeq: ${getHeader(item.headers, "CSeq")}`]),
          ...(action.headers ?? []),
          ...(body.length > 0 ? [`Content-Length: ${body.length}`] : [])
        ]
        socket.write(Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body]))
      }
    })
  })

/** DESCRIBE's answer for one MJPEG track (PT 26, control "track1"), based at the request's URI. */
export const mjpegDescribeReply = (uri: string): FakeReply => ({
  status: 200,
  headers: ["Content-Type: application/sdp", `Content-Base: ${uri}/`],
  body: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 26\r\na=control:track1\r\n"
})

/**
 * A server of one MJPEG track over interleaved TCP only (UDP SETUP: 461) with session `sessionId`;
 * `stream` starts once the PLAY reply has been written.
 */
export const interleavedMjpegServer = (sessionId: string, stream: (socket: net.Socket) => void): Effect.Effect<number, never, Scope.Scope> =>
  fakeRtspServer((request, conn) => {
    switch (request.method) {
      case "DESCRIBE":
        return mjpegDescribeReply(request.uri)
      case "SETUP":
        return (getHeader(request.headers, "Transport") ?? "").includes("RTP/AVP/TCP")
          ? { status: 200, headers: ["Transport: RTP/AVP/TCP;unicast;interleaved=0-1", `Session: ${sessionId};timeout=60`] }
          : { status: 461 }
      case "PLAY":
        setImmediate(() => stream(conn.socket))
        return { status: 200, headers: [`Session: ${sessionId}`] }
      default:
        return { status: 200, headers: [`Session: ${sessionId}`] }
    }
  })

/** A port nothing listens on: bound, then released. */
export const refusedPort = (): Effect.Effect<number> =>
  Effect.async<number>((resume) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resume(Effect.succeed(port)))
    })
  })
