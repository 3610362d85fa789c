import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Scope, Stream } from "effect"
import { eventually as eventuallyWithin } from "../support/polling.js"
import { makeUdpSocket, makeUdpSocketPair, type UdpSocket, UdpSocketError } from "../../src/net/UdpSocket.js"

const HOST = "127.0.0.1"

/** The next `n` datagrams, or a failure after 5 s (real time: these tests use the live clock). */
const take = (socket: UdpSocket, n: number) =>
  socket.messages.pipe(Stream.take(n), Stream.runCollect, Effect.map(Chunk.toReadonlyArray), Effect.timeout("5 seconds"))

/** Polls `condition` every 10 ms for up to 2 s, then asserts it. */
const eventually = (condition: () => boolean) => eventuallyWithin(condition, 2000, 10)

describe("makeUdpSocket", () => {
  it.scopedLive("binds port 0 on 127.0.0.1 and carries datagrams both ways, gathering buffers", () =>
    Effect.gen(function*() {
      const a = yield* makeUdpSocket({ host: HOST, port: 0 })
      const b = yield* makeUdpSocket({ host: HOST, port: 0, receiveBufferBytes: 1 << 20, sendBufferBytes: 1 << 20 })
      expect(a.port).toBeGreaterThan(0)
      expect(b.port).not.toBe(a.port)
      expect([a.address, b.address]).toEqual([HOST, HOST])

      a.send([Buffer.from("hel"), new Uint8Array([0x6c, 0x6f])], b.port, HOST)
      const [message] = yield* take(b, 1)
      expect(message!.data.toString()).toBe("hello")
      expect([message!.address, message!.port]).toEqual([HOST, a.port])

      b.send([Buffer.from("back")], a.port, HOST)
      const [reply] = yield* take(a, 1)
      expect(reply!.data.toString()).toBe("back")
      expect([a.sendErrors(), b.sendErrors()]).toEqual([0, 0])
    }))

  it.scopedLive("deliverTo hands each datagram to a callback with its arrival time, in order, instead of the stream", () =>
    Effect.gen(function*() {
      const sender = yield* makeUdpSocket({ host: HOST, port: 0 })
      const receiver = yield* makeUdpSocket({ host: HOST, port: 0 })
      const got: Array<{ readonly byte: number; readonly at: number }> = []
      const before = performance.now()
      receiver.deliverTo((data, arrivalMs) => got.push({ byte: data[0]!, at: arrivalMs }))
      for (let i = 0; i < 20; i++) sender.send([Buffer.from([i])], receiver.port, HOST)
      yield* eventually(() => got.length === 20)
      expect(got.map((g) => g.byte)).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect(got.every((g, i) => g.at >= before && (i === 0 || g.at >= got[i - 1]!.at))).toBe(true)
      // Nothing was buffered for the stream meanwhile.
      const buffered = yield* receiver.messages.pipe(Stream.take(1), Stream.runCollect, Effect.timeout("100 millis"), Effect.option)
      expect(buffered._tag).toBe("None")
    }))

  it.scopedLive("the messages stream yields datagrams in order, including ones that arrived before it was read", () =>
    Effect.gen(function*() {
      const sender = yield* makeUdpSocket({ host: HOST, port: 0 })
      const receiver = yield* makeUdpSocket({ host: HOST, port: 0 })
      for (let i = 0; i < 20; i++) sender.send([Buffer.from([i])], receiver.port, HOST)
      yield* Effect.sleep("50 millis")
      const messages = yield* take(receiver, 20)
      expect(messages.map((m) => m.data[0])).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect(receiver.receiveDrops()).toBe(0)
    }))

  it.scopedLive("a lagging consumer loses the oldest datagrams, counted, and gets the newest", () =>
    Effect.gen(function*() {
      const sender = yield* makeUdpSocket({ host: HOST, port: 0 })
      const receiver = yield* makeUdpSocket({ host: HOST, port: 0, messageBufferSize: 4 })
      for (let i = 0; i < 10; i++) sender.send([Buffer.from([i])], receiver.port, HOST)
      yield* eventually(() => receiver.receiveDrops() === 6)
      const messages = yield* take(receiver, 4)
      expect(messages.map((m) => m.data[0])).toEqual([6, 7, 8, 9])
    }))

  it.scopedLive("binding a port that is taken fails with a typed Bind error", () =>
    Effect.gen(function*() {
      const taken = yield* makeUdpSocket({ host: HOST, port: 0 })
      const error = yield* Effect.flip(makeUdpSocket({ host: HOST, port: taken.port }))
      expect(error).toBeInstanceOf(UdpSocketError)
      expect(error.reason).toBe("Bind")
      expect(error.message).toContain(`${HOST}:${taken.port}`)
      expect(error.message).toContain("EADDRINUSE")
    }))

  it.scopedLive("a port out of range or a bad host is a typed Bind error too, not a throw or a wrapped port", () =>
    Effect.gen(function*() {
      for (const port of [70000, -1, 1.5]) {
        const error = yield* Effect.flip(Effect.map(makeUdpSocket({ host: HOST, port }), (s) => `bound ${s.port}`))
        expect([error._tag, error.reason, error.message]).toEqual(["UdpSocketError", "Bind", `cannot bind UDP ${HOST}:${port}: not a port number (0 to 65535)`])
      }
      const badHost = yield* Effect.flip(Effect.map(makeUdpSocket({ host: "192.0.2.1", port: 0 }), (s) => `bound ${s.port}`))
      expect([badHost._tag, badHost.reason]).toEqual(["UdpSocketError", "Bind"])
    }))

  it.scopedLive("sending to a closed port or a bad destination never throws; bad destinations are counted", () =>
    Effect.gen(function*() {
      const socket = yield* makeUdpSocket({ host: HOST, port: 0 })
      const closedPort = yield* Effect.scoped(Effect.map(makeUdpSocket({ host: HOST, port: 0 }), (s) => s.port))
      for (let i = 0; i < 5; i++) socket.send([Buffer.from("nobody")], closedPort, HOST)
      socket.send([Buffer.from("x")], 0, HOST)
      socket.send([Buffer.from("x")], 1234, "not an address")
      yield* eventually(() => socket.sendErrors() >= 2)
      // The socket still works afterwards.
      const peer = yield* makeUdpSocket({ host: HOST, port: 0 })
      socket.send([Buffer.from("still")], peer.port, HOST)
      const [message] = yield* take(peer, 1)
      expect(message!.data.toString()).toBe("still")
    }))

  it.scopedLive("closing the scope closes the socket: the port is free again, the stream ends, sends are counted", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const socket = yield* Scope.extend(makeUdpSocket({ host: HOST, port: 0 }), scope)
      const reader = yield* Effect.fork(Stream.runCollect(socket.messages))
      yield* Scope.close(scope, Exit.void)
      const collected = yield* Fiber.join(reader).pipe(Effect.timeout("5 seconds"))
      expect(Chunk.size(collected)).toBe(0)
      socket.send([Buffer.from("late")], socket.port, HOST)
      expect(socket.sendErrors()).toBe(1)
      const again = yield* makeUdpSocket({ host: HOST, port: socket.port })
      expect(again.port).toBe(socket.port)
    }))
})

describe("makeUdpSocketPair", () => {
  it.scopedLive("port 0 finds consecutive ports, RTP even and RTCP odd, both working", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 5; i++) {
        const { rtp, rtcp } = yield* makeUdpSocketPair({ host: HOST, port: 0 })
        expect(rtp.port % 2).toBe(0)
        expect(rtcp.port).toBe(rtp.port + 1)
        rtp.send([Buffer.from("rtcp?")], rtcp.port, HOST)
        const [message] = yield* take(rtcp, 1)
        expect([message!.data.toString(), message!.port]).toEqual(["rtcp?", rtp.port])
      }
    }))

  it.scopedLive("a given even port binds it and the next; an odd one is refused", () =>
    Effect.gen(function*() {
      // Find a free pair, release it, and ask for it by number.
      const port = yield* Effect.scoped(Effect.map(makeUdpSocketPair({ host: HOST, port: 0 }), (pair) => pair.rtp.port))
      const pair = yield* makeUdpSocketPair({ host: HOST, port })
      expect([pair.rtp.port, pair.rtcp.port]).toEqual([port, port + 1])
      const odd = yield* Effect.flip(makeUdpSocketPair({ host: HOST, port: port + 1 }))
      expect([odd.reason, odd.message]).toEqual(["Bind", `the RTP port must be even (RTCP takes the next one); got ${port + 1}`])
    }))

  it.scopedLive("when the RTCP port is taken, the pair fails and releases its RTP socket", () =>
    Effect.gen(function*() {
      const port = yield* Effect.scoped(Effect.map(makeUdpSocketPair({ host: HOST, port: 0 }), (pair) => pair.rtp.port))
      const blocker = yield* makeUdpSocket({ host: HOST, port: port + 1 })
      const error = yield* Effect.flip(makeUdpSocketPair({ host: HOST, port }))
      expect(error.reason).toBe("Bind")
      expect(error.message).toContain(String(blocker.port))
      // The RTP half was closed at once, not left open until the test's scope ends.
      const rtp = yield* makeUdpSocket({ host: HOST, port })
      expect(rtp.port).toBe(port)
    }))
})
