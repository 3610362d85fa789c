// Real multicast through the built UdpSocket (dist/), run by test/net/udpMulticast.test.ts INSIDE a
// network namespace (never on the host). Two RTP/RTCP pairs join group A on the same ports, one
// socket joins group B on the same RTP port, a sender (ttl 1) sends 10 datagrams to each group's
// ports; then a join on an interface that is not ours. Prints one JSON object.
import { Effect } from "effect"

const { makeUdpSocket, makeUdpSocketPair } = await import(new URL("../../dist/src/net/UdpSocket.js", import.meta.url).href)
const { multicastBindHost } = await import(new URL("../../dist/src/net/multicastAddress.js", import.meta.url).href)

const [GROUP_A, GROUP_B, PORT] = ["239.255.42.1", "239.255.42.2", 8002]
const COUNT = 10

const collect = (socket) => {
  const got = []
  socket.deliverTo((data) => got.push(data.toString()))
  return got
}

const pairOn = (group) => makeUdpSocketPair({ host: multicastBindHost(group), port: PORT, rtcpPort: PORT + 1, multicastGroup: group })

const share = Effect.scoped(Effect.gen(function* () {
  const first = yield* pairOn(GROUP_A)
  const second = yield* pairOn(GROUP_A)
  const other = yield* makeUdpSocket({ host: multicastBindHost(GROUP_B), port: PORT, multicastGroup: GROUP_B })
  const sender = yield* makeUdpSocket({ host: "0.0.0.0", port: 0, multicastTtl: 1 })
  const lists = {
    firstRtp: collect(first.rtp),
    firstRtcp: collect(first.rtcp),
    secondRtp: collect(second.rtp),
    secondRtcp: collect(second.rtcp),
    otherGroup: collect(other)
  }
  for (let i = 0; i < COUNT; i++) {
    sender.send([Buffer.from(`rtp ${i}`)], PORT, GROUP_A)
    sender.send([Buffer.from(`rtcp ${i}`)], PORT + 1, GROUP_A)
    sender.send([Buffer.from(`b ${i}`)], PORT, GROUP_B)
  }
  // Bounded wait: until every list is full, or 3 s.
  for (let tries = 0; tries < 150 && Object.values(lists).some((list) => list.length < COUNT); tries++) yield* Effect.sleep("20 millis")
  yield* Effect.sleep("100 millis")
  return { ...lists, sendErrors: sender.sendErrors() }
}))

const failure = (options) =>
  Effect.scoped(makeUdpSocket(options)).pipe(
    Effect.match({ onSuccess: () => "bound", onFailure: (error) => ({ tag: error._tag, reason: error.reason, message: error.message }) })
  )

const result = await Effect.runPromise(Effect.all({
  share,
  foreignInterface: failure({ host: "0.0.0.0", port: PORT + 10, multicastGroup: GROUP_A, multicastInterface: "10.9.9.9" })
}))
process.stdout.write(JSON.stringify(result))
