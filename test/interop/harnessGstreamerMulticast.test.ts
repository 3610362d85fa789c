/**
 * `rtsp-harness play --transport multicast` against a server we did not write: GStreamer's RTSP
 * server, handing out groups from 239.255.43.0-10 (ports 5000-5010, ttl 1) for one pipeline that
 * every client shares, the sample at 20 fps. GStreamer turns multicast loopback off on its
 * sending sockets, so its receivers must be on another host: GStreamer runs in one network
 * namespace and the harness in another, joined by a veth pair (test/support/netns.ts), and
 * nothing is sent on the host's network. One player, then two at once sharing the group, get
 * the whole stream at the source's rate, nothing lost; a server without multicast answers 461,
 * and the harness says so in one line, without falling back to anything.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type GstRtspServer, startGstRtspServer } from "../support/gstRtspServer.js"
import type { Ran } from "../support/harnessProcess.js"
import { type LinkedNamespaces, networkNamespaces, openLinkedNamespaces } from "../support/netns.js"
import { gstRtspServer } from "../support/tools.js"

const netns = networkNamespaces()
const gst = gstRtspServer()
const skip = netns.skip || gst.skip
const FPS = 20
const GROUP = /^239\.255\.43\.(?:[0-9]|10):50(?:0[0-9]|10)$/

let linked: LinkedNamespaces | undefined
let multicastPeer: GstRtspServer | undefined
let unicastPeer: GstRtspServer | undefined

beforeAll(async () => {
  if (skip) return
  linked = await openLinkedNamespaces()
  const inServerNamespace = { address: linked.serverAddress, spawn: linked.server.spawn }
  multicastPeer = await startGstRtspServer({ fps: FPS, loop: true, multicast: true, ...inServerNamespace })
  unicastPeer = await startGstRtspServer({ fps: FPS, loop: true, ...inServerNamespace })
}, 60_000)

afterAll(async () => {
  await Promise.all([multicastPeer?.close(), unicastPeer?.close()])
  await linked?.close()
})

/** The built harness, run in the viewer namespace. */
const play = (peer: GstRtspServer | undefined, seconds: number): Promise<Ran> => {
  if (linked === undefined || peer === undefined) throw new Error("the namespaces or the GStreamer peer did not start")
  const args = ["dist/harness/bin.js", "play", peer.url, "--transport", "multicast", "--duration", `${seconds}s`, "--json"]
  return linked.viewer.run(process.execPath, args, (seconds + 30) * 1000)
}

interface PlayJson {
  readonly ok: boolean
  readonly error?: string
  readonly transport: string
  readonly multicastGroup?: string
  readonly framesReceived: number
  readonly framesDropped: number
  readonly packetsLost: number
  readonly strayPackets: number
  readonly fps: number
  readonly timestampsConsistent: boolean
  readonly receiverReportsSent: number
  readonly rtspMs: Readonly<Record<string, { readonly count: number; readonly statuses: Readonly<Record<string, number>> }>>
}

const figures = (ran: Ran): PlayJson => {
  expect(ran.stderr).not.toMatch(/^\s+at /m)
  return JSON.parse(ran.stdout) as PlayJson
}

/** About 3 s of the whole stream: the source's rate, nothing lost, dropped or from elsewhere. */
const expectWholeStream = (json: PlayJson): void => {
  expect(json.ok, json.error).toBe(true)
  expect(json.transport).toBe("multicast")
  expect(json.multicastGroup).toMatch(GROUP)
  // 3 s at 20 fps is 60 frames; the band allows for start-up and a busy machine.
  expect(json.framesReceived).toBeGreaterThanOrEqual(40)
  expect(json.framesReceived).toBeLessThanOrEqual(75)
  expect(json.fps).toBeGreaterThan(17)
  expect(json.fps).toBeLessThan(23)
  expect(json.packetsLost).toBe(0)
  expect(json.framesDropped).toBe(0)
  expect(json.strayPackets).toBe(0)
  expect(json.timestampsConsistent).toBe(true)
  // Its receiver reports went to the group (RFC 3550 §6), with the reply's ttl.
  expect(json.receiverReportsSent).toBeGreaterThanOrEqual(1)
}

describe(`interop: the harness plays GStreamer's RTSP server over multicast (requires ${gst.name} and ${netns.name})`, () => {
  it.skipIf(skip)("one player gets the whole stream from the group the server named", async () => {
    const ran = await play(multicastPeer, 3)
    expect(ran.code, ran.stderr).toBe(0)
    expectWholeStream(figures(ran))
  })

  it.skipIf(skip)("two players at once share the group (same ports, one host) and each gets the whole stream", async () => {
    const [first, second] = await Promise.all([play(multicastPeer, 3), play(multicastPeer, 3)])
    expect([first.code, second.code], `${first.stderr}\n${second.stderr}`).toEqual([0, 0])
    const [a, b] = [figures(first), figures(second)]
    expectWholeStream(a)
    expectWholeStream(b)
    expect(a.multicastGroup).toBe(b.multicastGroup)
  })

  it.skipIf(skip)("a server with no multicast to give answers 461: one clear line, no fallback", async () => {
    const ran = await play(unicastPeer, 1)
    expect(ran.code).toBe(1)
    const json = figures(ran)
    expect(json.ok).toBe(false)
    expect(json.error).toBe("the server refused multicast: 461 Unsupported transport")
    // One SETUP, refused; nothing tried over UDP or TCP instead, and no PLAY.
    expect(json.rtspMs["SETUP"]).toMatchObject({ count: 1, statuses: { "461": 1 } })
    expect(json.rtspMs["PLAY"]).toBeUndefined()
  })
})
