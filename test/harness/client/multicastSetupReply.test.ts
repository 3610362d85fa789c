/**
 * What the harness asks for and reads back when it sets up multicast: the request names no
 * ports (the server chooses), the reply must name the group and its ports, and a 461 is said in
 * words, since nothing falls back. Pure: replies in, results or errors out.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { multicastSetupReply, multicastTransportRequest, type RtspResponseInfo } from "../../../harness/client/replies.js"

const reply = (status: number, reason: string, headers: ReadonlyArray<readonly [string, string]>, body = ""): RtspResponseInfo => ({
  status,
  reason,
  headers: [["CSeq", "3"], ...headers],
  body: Buffer.from(body),
  elapsedMs: 1
})

const ok = (transport: string) => reply(200, "OK", [["Session", "abc123;timeout=60"], ["Transport", transport]])

const errorOf = (info: RtspResponseInfo): string => Either.match(multicastSetupReply(info), { onLeft: (e) => e.message, onRight: () => "parsed" })

describe("multicast SETUP", () => {
  it("asks for multicast and nothing else", () => {
    expect(multicastTransportRequest()).toBe("RTP/AVP;multicast")
  })

  it("reads the group, its ports, ttl and ssrc from our server's reply, and GStreamer's (no ssrc, a mode)", () => {
    const ours = multicastSetupReply(ok("RTP/AVP;multicast;destination=239.255.42.1;port=8002-8003;ttl=1;ssrc=1A2B3C4D"))
    expect(Either.getOrThrow(ours)).toMatchObject({ sessionId: "abc123", timeoutSeconds: 60, group: "239.255.42.1", ports: [8002, 8003], ttl: 1, ssrc: 0x1a2b3c4d })
    const gstreamer = Either.getOrThrow(multicastSetupReply(ok('RTP/AVP;multicast;destination=239.255.43.0;ttl=1;port=5000-5001;mode="PLAY"')))
    expect([gstreamer.group, gstreamer.ports, gstreamer.ttl, gstreamer.ssrc]).toEqual(["239.255.43.0", [5000, 5001], 1, undefined])
    // One port: RTCP is the next one.
    expect(Either.getOrThrow(multicastSetupReply(ok("RTP/AVP;multicast;destination=239.1.1.1;port=6000"))).ports).toEqual([6000, 6001])
  })

  it("a reply without the group, without the port, or not multicast at all is a clear error", () => {
    expect(errorOf(ok("RTP/AVP;multicast;port=8002-8003;ttl=1"))).toBe("multicast SETUP reply names no group (destination=): RTP/AVP;multicast;port=8002-8003;ttl=1")
    expect(errorOf(ok("RTP/AVP;multicast;destination=239.255.42.1;ttl=1"))).toBe("multicast SETUP reply names no port (port=): RTP/AVP;multicast;destination=239.255.42.1;ttl=1")
    expect(errorOf(ok("RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971"))).toBe(
      "multicast SETUP reply is not a multicast transport: RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971"
    )
  })

  it("a 461 says the server refused multicast, with its reason (and its body's first line when it has one); other statuses as usual", () => {
    expect(errorOf(reply(461, "Unsupported Transport", []))).toBe("the server refused multicast: 461 Unsupported Transport")
    expect(errorOf(reply(461, "Unsupported Transport", [], "multicast is only for live paths\r\nsee the docs"))).toBe(
      "the server refused multicast: 461 Unsupported Transport (multicast is only for live paths)"
    )
    const refused = multicastSetupReply(reply(461, "Unsupported Transport", []))
    expect(Either.isLeft(refused) && [refused.left.reason, refused.left.status, refused.left.method]).toEqual(["Status", 461, "SETUP"])
    expect(errorOf(reply(454, "Session Not Found", []))).toBe("SETUP answered 454 Session Not Found")
  })
})
