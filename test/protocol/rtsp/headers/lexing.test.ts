import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  parseBoundedDecimal,
  quote,
  splitOutsideQuotes,
  splitParameter,
  unquote
} from "../../../../src/protocol/rtsp/headers/lexing.js"

describe("header lexing helpers", () => {
  it("splits outside quoted strings only", () => {
    expect(splitOutsideQuotes("a,b,,c", ",")).toStrictEqual(["a", "b", "", "c"])
    expect(splitOutsideQuotes("mode=\"PLAY,RECORD\",x", ",")).toStrictEqual(["mode=\"PLAY,RECORD\"", "x"])
    expect(splitOutsideQuotes("r=\"a\\\",b\",n", ",")).toStrictEqual(["r=\"a\\\",b\"", "n"])
    expect(splitOutsideQuotes("\"open,quote", ",")).toStrictEqual(["\"open,quote"])
  })

  it("splits name=value with tolerant whitespace", () => {
    expect(splitParameter(" client_port = 25000 ")).toStrictEqual({ name: "client_port", value: "25000" })
    expect(splitParameter("unicast")).toStrictEqual({ name: "unicast" })
    expect(splitParameter("url=rtsp://h/a?x=1")).toStrictEqual({ name: "url", value: "rtsp://h/a?x=1" })
  })

  it("reads bounded decimals", () => {
    expect(parseBoundedDecimal("65535", 65535)).toBe(65535)
    expect(parseBoundedDecimal("0065535", 65535)).toBe(65535)
    expect(parseBoundedDecimal("0", 1)).toBe(0)
    expect(parseBoundedDecimal("65536", 65535)).toBeUndefined()
    expect(parseBoundedDecimal("1".repeat(40), Number.MAX_SAFE_INTEGER)).toBeUndefined()
    expect(parseBoundedDecimal("", 10)).toBeUndefined()
    expect(parseBoundedDecimal(" 1", 10)).toBeUndefined()
  })

  it("unquotes, and rejects unterminated or trailing text", () => {
    expect(unquote("plain")).toBe("plain")
    expect(unquote("\"a \\\"b\\\" \\\\c\"")).toBe("a \"b\" \\c")
    expect(unquote("\"open")).toBeUndefined()
    expect(unquote("\"a\" b")).toBeUndefined()
    expect(unquote("\"a\\")).toBeUndefined()
  })

  it("quote then unquote is the identity", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      expect(unquote(quote(s))).toBe(s)
      expect(splitOutsideQuotes(`${quote(s)},x`, ",")).toStrictEqual([quote(s), "x"])
    }), { numRuns: 300 })
  })
})
