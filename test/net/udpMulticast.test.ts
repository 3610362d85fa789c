/**
 * UdpSocket's multicast options. Mistakes in them are refused before anything is bound (tested
 * here, in-process: nothing is sent or joined). Real multicast, a join sends IGMP too, runs only
 * in a network namespace of its own: udpMulticastProbe.mjs, started inside one.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { makeUdpSocket, type UdpSocketOptions } from "../../src/net/UdpSocket.js"
import { isMulticastAddress, multicastBindHost } from "../../src/net/multicastAddress.js"
import { type NetworkNamespace, networkNamespaces, openNamespace } from "../support/netns.js"

const netns = networkNamespaces()

/** The error a socket with these options fails with; they are all refused before bind. */
const refusal = (options: UdpSocketOptions) =>
  Effect.flip(Effect.map(makeUdpSocket(options), (socket) => `bound ${socket.port}`)).pipe(Effect.map((error) => [error.reason, error.message]))

describe("multicast options, refused before bind", () => {
  it.scoped("a group that is not multicast, of the other IP version, a TTL out of range, an interface that is no address", () =>
    Effect.gen(function* () {
      expect(yield* refusal({ host: "0.0.0.0", port: 8002, multicastGroup: "10.1.2.3" })).toEqual([
        "Multicast",
        "cannot join multicast group 10.1.2.3 on port 8002: not a multicast address (IPv4 224.0.0.0/4, IPv6 ff00::/8)"
      ])
      expect(yield* refusal({ host: "0.0.0.0", port: 8002, multicastGroup: "ff02::1234" })).toEqual([
        "Multicast",
        "cannot join multicast group ff02::1234 on port 8002: the group and the bind address 0.0.0.0 are not the same IP version"
      ])
      expect(yield* refusal({ host: "0.0.0.0", port: 0, multicastTtl: 256 })).toEqual(["Multicast", "cannot set multicast TTL 256 on UDP 0.0.0.0:0: not 0 to 255"])
      expect(yield* refusal({ host: "0.0.0.0", port: 0, multicastInterface: "eth0" })).toEqual([
        "Multicast",
        "cannot use eth0 as the multicast interface of UDP 0.0.0.0:0: not an IP address"
      ])
    }))

  it("which addresses are groups, and what a receiver binds", () => {
    expect(["224.0.0.1", "239.255.42.1", "ff02::1", "FF05::2"].map(isMulticastAddress)).toEqual([true, true, true, true])
    expect(["223.255.255.255", "240.0.0.1", "127.0.0.1", "fe80::1", "nonsense"].map(isMulticastAddress)).toEqual([false, false, false, false, false])
    expect([multicastBindHost("239.255.42.1", "linux"), multicastBindHost("239.255.42.1", "darwin"), multicastBindHost("ff05::2", "win32")]).toEqual([
      "239.255.42.1",
      "0.0.0.0",
      "::"
    ])
  })
})

describe("multicast in a network namespace", () => {
  let namespace: NetworkNamespace | undefined
  beforeAll(async () => {
    if (!netns.skip) namespace = await openNamespace()
  })
  afterAll(async () => {
    await namespace?.close()
  })

  it.skipIf(netns.skip)(`two pairs share a group's ports and each gets every datagram; another group on the port stays apart; a foreign interface is a clear error (requires ${netns.name})`, async () => {
    if (namespace === undefined) throw new Error("the namespace did not open")
    const ran = await namespace.run(process.execPath, ["test/support/udpMulticastProbe.mjs"], 30_000)
    expect(ran.stderr).toBe("")
    expect(ran.code).toBe(0)
    const { share, foreignInterface } = JSON.parse(ran.stdout) as {
      readonly share: Record<"firstRtp" | "firstRtcp" | "secondRtp" | "secondRtcp" | "otherGroup", ReadonlyArray<string>> & { readonly sendErrors: number }
      readonly foreignInterface: { readonly tag: string; readonly reason: string; readonly message: string }
    }
    const numbered = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix} ${i}`)
    expect(share.firstRtp).toEqual(numbered("rtp"))
    expect(share.secondRtp).toEqual(numbered("rtp"))
    expect(share.firstRtcp).toEqual(numbered("rtcp"))
    expect(share.secondRtcp).toEqual(numbered("rtcp"))
    // Bound to its own group (Linux), it sees none of group A's datagrams on the same port.
    expect(share.otherGroup).toEqual(numbered("b"))
    expect(share.sendErrors).toBe(0)
    expect(foreignInterface.tag).toBe("UdpSocketError")
    expect(foreignInterface.reason).toBe("Multicast")
    expect(foreignInterface.message).toMatch(/^cannot use 10\.9\.9\.9 as the multicast interface of UDP 0\.0\.0\.0:8012: /)
  })
})
