import fc from "fast-check"
import { formatSession, parseSession, type SessionHeader } from "../../../../src/protocol/rtsp/headers/session.js"
import { describeCodec } from "../../../support/describeCodec.js"

describeCodec<SessionHeader>("Session header", {
  corpus: "session",
  decode: parseSession,
  encode: formatSession,
  header: "Session",
  cases: [
    // The classic lab client and reply: bare decimal, no timeout.
    ["724553", { id: "724553" }],
    ["12345678;timeout=60", { id: "12345678", timeout: 60 }],
    // gortsplib-style hex id; live555 style upper-case hex.
    ["a1b2c3d4e5f6;timeout=60", { id: "a1b2c3d4e5f6", timeout: 60 }],
    ["7F3A9C21", { id: "7F3A9C21" }],
    // ibaRTSPServer's dotted id.
    ["121.254.102.120+7789+937239728", { id: "121.254.102.120+7789+937239728" }],
    // Every "safe" character.
    ["Ab9$-_.+", { id: "Ab9$-_.+" }],
    ["x;timeout=0", { id: "x", timeout: 0 }]
  ],
  nonCanonical: [
    [" 724553 ", "724553"],
    ["12345678; timeout=60", "12345678;timeout=60"],
    ["12345678 ; timeout = 60", "12345678;timeout=60"],
    ["12345678;Timeout=60", "12345678;timeout=60"],
    // Unknown parameters are ignored.
    ["12345678;foo=bar;timeout=30", "12345678;timeout=30"],
    ["12345678;", "12345678"]
  ],
  errors: [
    ["", "Empty"],
    ["  ", "Empty"],
    [";timeout=60", "Malformed"],
    ["abc def", "Malformed"],
    ["abc,def", "Malformed"],
    ["abc\"", "Malformed"],
    ["1234;timeout=", "InvalidNumber"],
    ["1234;timeout", "InvalidNumber"],
    ["1234;timeout=-5", "InvalidNumber"],
    ["1234;timeout=1.5", "InvalidNumber"],
    ["1234;timeout=99999999999", "OutOfRange"]
  ],
  values: fc.record(
    { id: fc.stringMatching(/^[A-Za-z0-9$\-_.+]{1,40}$/), timeout: fc.integer({ min: 0, max: 0x7fffffff }) },
    { requiredKeys: ["id"] }
  )
})
