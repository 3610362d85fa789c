import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import {
  formatTransport,
  lowerTransportOf,
  parseTransport,
  type Transport,
  type TransportProtocol,
  type TransportSpec
} from "../../../../src/protocol/rtsp/headers/transport.js"
import { describeCodec } from "../../../support/describeCodec.js"

const range = (max: number) =>
  fc.record({ first: fc.integer({ min: 0, max }), last: fc.integer({ min: 0, max }) }, { requiredKeys: ["first"] })
const address = fc.ipV4()
const knownNames = new Set(["unicast", "multicast", "destination", "source", "interleaved", "ttl", "port", "client_port", "server_port", "ssrc", "mode"])
const extension = fc.record(
  {
    name: fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/).filter((n) => !knownNames.has(n)),
    value: fc.stringMatching(/^[A-Za-z0-9.\-_/]{1,10}$/)
  },
  { requiredKeys: ["name"] }
)
const spec: fc.Arbitrary<TransportSpec> = fc
  .record(
    {
      protocol: fc.constantFrom<TransportProtocol>("RTP/AVP", "RTP/AVP/UDP", "RTP/AVP/TCP", "RTP/UDP"),
      delivery: fc.constantFrom("unicast" as const, "multicast" as const),
      destination: address,
      source: address,
      interleaved: range(255),
      ttl: fc.integer({ min: 0, max: 255 }),
      port: range(65535),
      clientPort: range(65535),
      serverPort: range(65535),
      ssrc: fc.integer({ min: 0, max: 0xffffffff }),
      mode: fc.constantFrom("PLAY" as const, "RECORD" as const),
      extensions: fc.array(extension, { maxLength: 3 })
    },
    { requiredKeys: ["protocol", "extensions"] }
  )
  .map((s) => ({ ...s, lowerTransport: lowerTransportOf(s.protocol) }))

// Strings made of the header's own vocabulary reach deeper.
const piece = fc.constantFrom("RTP/AVP", "RTP/AVP/TCP", "RTP/UDP", ";", ",", "=", "-", "\"", " ", "client_port", "interleaved", "mode", "ssrc", "unicast", "5000", "1", "PLAY", "x")

describeCodec<Transport>("Transport header", {
  corpus: "transport",
  decode: parseTransport,
  encode: formatTransport,
  header: "Transport",
  cases: [
    [
      "RTP/AVP;unicast;client_port=5000-5001",
      [{ protocol: "RTP/AVP", lowerTransport: "UDP", delivery: "unicast", clientPort: { first: 5000, last: 5001 }, extensions: [] }]
    ],
    // Our SETUP reply for UDP.
    [
      "RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1A2B3C4D",
      [{
        protocol: "RTP/AVP",
        lowerTransport: "UDP",
        delivery: "unicast",
        clientPort: { first: 5000, last: 5001 },
        serverPort: { first: 6970, last: 6971 },
        ssrc: 0x1a2b3c4d,
        extensions: []
      }]
    ],
    // ffmpeg over TCP, and our reply.
    [
      "RTP/AVP/TCP;unicast;interleaved=0-1;mode=PLAY",
      [{ protocol: "RTP/AVP/TCP", lowerTransport: "TCP", delivery: "unicast", interleaved: { first: 0, last: 1 }, mode: "PLAY", extensions: [] }]
    ],
    // Tolerated: TCP without interleaved (server picks the channels).
    ["RTP/AVP/TCP;unicast", [{ protocol: "RTP/AVP/TCP", lowerTransport: "TCP", delivery: "unicast", extensions: [] }]],
    // The classic lab client, canonical spelling.
    ["RTP/UDP;client_port=25000", [{ protocol: "RTP/UDP", lowerTransport: "UDP", clientPort: { first: 25000 }, extensions: [] }]],
    ["RTP/AVP/UDP;unicast;client_port=0-65535", [{ protocol: "RTP/AVP/UDP", lowerTransport: "UDP", delivery: "unicast", clientPort: { first: 0, last: 65535 }, extensions: [] }]],
    // RFC 2326 §12.39 multicast example shape.
    [
      "RTP/AVP;multicast;destination=224.2.0.1;ttl=16;port=3456-3457",
      [{ protocol: "RTP/AVP", lowerTransport: "UDP", delivery: "multicast", destination: "224.2.0.1", ttl: 16, port: { first: 3456, last: 3457 }, extensions: [] }]
    ],
    [
      "RTP/AVP;unicast;destination=192.168.1.20;source=192.168.1.10;client_port=4588-4589;server_port=6256-6257",
      [{
        protocol: "RTP/AVP",
        lowerTransport: "UDP",
        delivery: "unicast",
        destination: "192.168.1.20",
        source: "192.168.1.10",
        clientPort: { first: 4588, last: 4589 },
        serverPort: { first: 6256, last: 6257 },
        extensions: []
      }]
    ],
    ["RTP/AVP;unicast;client_port=5000-5001;mode=RECORD", [{ protocol: "RTP/AVP", lowerTransport: "UDP", delivery: "unicast", clientPort: { first: 5000, last: 5001 }, mode: "RECORD", extensions: [] }]],
    // Unknown parameters are kept, in order.
    [
      "RTP/AVP;unicast;client_port=5000-5001;append;layers=2;x-dynamic-rate=1",
      [{
        protocol: "RTP/AVP",
        lowerTransport: "UDP",
        delivery: "unicast",
        clientPort: { first: 5000, last: 5001 },
        extensions: [{ name: "append" }, { name: "layers", value: "2" }, { name: "x-dynamic-rate", value: "1" }]
      }]
    ],
    // A list of alternatives (GStreamer and VLC offer several).
    [
      "RTP/AVP/TCP;unicast;interleaved=0-1,RTP/AVP;unicast;client_port=5000-5001",
      [
        { protocol: "RTP/AVP/TCP", lowerTransport: "TCP", delivery: "unicast", interleaved: { first: 0, last: 1 }, extensions: [] },
        { protocol: "RTP/AVP", lowerTransport: "UDP", delivery: "unicast", clientPort: { first: 5000, last: 5001 }, extensions: [] }
      ]
    ],
    ["RTP/AVP;unicast;ssrc=00000000", [{ protocol: "RTP/AVP", lowerTransport: "UDP", delivery: "unicast", ssrc: 0, extensions: [] }]],
    ["RTP/AVP;unicast;ssrc=FFFFFFFF", [{ protocol: "RTP/AVP", lowerTransport: "UDP", delivery: "unicast", ssrc: 0xffffffff, extensions: [] }]]
  ],
  nonCanonical: [
    // The classic lab client, byte for byte, and its variants.
    ["RTP/UDP; client_port= 25000", "RTP/UDP;client_port=25000"],
    ["RTP/UDP; client_port = 25000", "RTP/UDP;client_port=25000"],
    ["RTP/UDP;client_port =25000", "RTP/UDP;client_port=25000"],
    ["  RTP/UDP ;  client_port=25000  ", "RTP/UDP;client_port=25000"],
    // Case.
    ["rtp/avp/tcp;UNICAST;Interleaved=2-3", "RTP/AVP/TCP;unicast;interleaved=2-3"],
    // Quoted and lower-case mode; "receive" is an old synonym for RECORD.
    ["RTP/AVP;unicast;mode=\"PLAY\"", "RTP/AVP;unicast;mode=PLAY"],
    ["RTP/AVP;unicast;mode=play", "RTP/AVP;unicast;mode=PLAY"],
    ["RTP/AVP;unicast;mode=receive", "RTP/AVP;unicast;mode=RECORD"],
    // Canonical parameter order.
    ["RTP/AVP;client_port=5000-5001;unicast", "RTP/AVP;unicast;client_port=5000-5001"],
    ["RTP/AVP;mode=PLAY;server_port=7000-7001;client_port=5000-5001;unicast", "RTP/AVP;unicast;client_port=5000-5001;server_port=7000-7001;mode=PLAY"],
    // Empty parameters and list elements, spaces around the separators.
    ["RTP/AVP;;unicast;", "RTP/AVP;unicast"],
    ["RTP/AVP/TCP;interleaved=0-1 , RTP/AVP;client_port=5000-5001", "RTP/AVP/TCP;interleaved=0-1,RTP/AVP;client_port=5000-5001"],
    [",RTP/AVP,", "RTP/AVP"],
    ["RTP/AVP;client_port=5000 - 5001", "RTP/AVP;client_port=5000-5001"],
    // SSRC in short or lower-case hex, or with a 0x prefix; one that is not hex stays an extension.
    ["RTP/AVP;ssrc=1a2b", "RTP/AVP;ssrc=00001A2B"],
    ["RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=0x6f7c;mode=\"PLAY\"", "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=00006F7C;mode=PLAY"],
    ["RTP/AVP/UDP;unicast;client_port=10100-10101;server_port=50024-50025;ssrc=937239728", "RTP/AVP/UDP;unicast;client_port=10100-10101;server_port=50024-50025;ssrc=937239728"],
    ["RTP/AVP;ssrc=XYZ;unicast", "RTP/AVP;unicast;ssrc=XYZ"],
    // A camera that put a comma before ssrc: the stray "spec" is dropped, the real one survives.
    ["RTP/AVP;unicast;client_port=40000-40001,ssrc=FFFFCCCC", "RTP/AVP;unicast;client_port=40000-40001"],
    // Later duplicates win.
    ["RTP/AVP;client_port=1;client_port=2", "RTP/AVP;client_port=2"],
    // Unsupported alternatives are dropped (a quoted mode list does not split the spec list).
    ["RTP/SAVP;unicast;client_port=5000-5001,RTP/AVP;unicast;client_port=5002-5003", "RTP/AVP;unicast;client_port=5002-5003"],
    ["RAW/RAW/UDP;mode=\"PLAY,RECORD\",RTP/AVP/TCP;interleaved=0-1", "RTP/AVP/TCP;interleaved=0-1"]
  ],
  errors: [
    ["", "Empty"],
    [" , ", "Empty"],
    [";unicast", "Malformed"],
    ["RTP/AVP;=5", "Malformed"],
    ["RTP/AVP;client_port", "Malformed"],
    ["RTP/AVP;client_port=", "Malformed"],
    ["RTP/AVP;destination", "Malformed"],
    ["RTP/AVP;client_port=abc", "InvalidNumber"],
    ["RTP/AVP;client_port=5000-", "InvalidNumber"],
    ["RTP/AVP;client_port=-5000", "InvalidNumber"],
    ["RTP/AVP;client_port=1-2-3", "InvalidNumber"],
    ["RTP/AVP;client_port=5000.5", "InvalidNumber"],
    ["RTP/AVP;client_port=65536", "OutOfRange"],
    ["RTP/AVP;server_port=5000-70000", "OutOfRange"],
    ["RTP/AVP/TCP;interleaved=256-257", "OutOfRange"],
    ["RTP/AVP;ttl=256", "OutOfRange"],
    ["RTP/AVP;mode=TEARDOWN", "Unsupported"],
    ["RTP/AVP;mode=\"PLAY,RECORD\"", "Unsupported"],
    ["RTP/SAVP;unicast", "Unsupported"],
    ["RAW/RAW/UDP;unicast,x-real-rdt/udp", "Unsupported"],
    // A malformed spec fails the list even next to a good one.
    ["RTP/AVP;client_port=5000-5001,RTP/AVP;client_port=x", "InvalidNumber"]
  ],
  values: fc.array(spec, { minLength: 1, maxLength: 3 }),
  strings: [fc.array(piece, { maxLength: 20 }).map((p) => p.join(""))]
})

describe("Transport header details", () => {
  it("matches the classic client's port regex", () => {
    // What the classic server does: client_port\s*=\s*(\d+)
    for (const text of ["RTP/UDP; client_port= 25000", "RTP/UDP; client_port = 25000", "RTP/UDP;client_port=25000"]) {
      const result = parseTransport(text)
      const regex = /client_port\s*=\s*(\d+)/.exec(text)
      expect(Either.isRight(result) && result.right[0]?.clientPort?.first).toBe(Number(regex?.[1]))
    }
  })

  it("derives the lower transport from the protocol", () => {
    expect(lowerTransportOf("RTP/AVP")).toBe("UDP")
    expect(lowerTransportOf("RTP/AVP/UDP")).toBe("UDP")
    expect(lowerTransportOf("RTP/UDP")).toBe("UDP")
    expect(lowerTransportOf("RTP/AVP/TCP")).toBe("TCP")
  })
})
