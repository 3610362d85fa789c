/** --publish-from: CIDR ranges of both families, one address alone, and clear errors for the rest. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { LOOPBACK_RANGES, parseAddressRanges } from "../../src/net/addressRanges.js"

const ranges = (text: ReadonlyArray<string>) => Either.getOrThrow(parseAddressRanges(text))

describe("address ranges", () => {
  it.each([
    { range: "10.0.0.0/8", address: "10.200.3.4", inside: true },
    { range: "10.0.0.0/8", address: "11.0.0.1", inside: false },
    { range: "192.168.1.7", address: "192.168.1.7", inside: true },
    { range: "192.168.1.7", address: "192.168.1.8", inside: false },
    { range: "fd00::/8", address: "fd12::1", inside: true },
    { range: "fd00::/8", address: "fe80::1", inside: false },
    { range: "10.0.0.0/8", address: "::ffff:10.1.1.1", inside: true },
    { range: "0.0.0.0/0", address: "8.8.8.8", inside: true },
    { range: "10.0.0.0/8", address: "not an address", inside: false }
  ])("$range includes $address: $inside", ({ range, address, inside }) => {
    expect(ranges([range]).includes(address)).toBe(inside)
  })

  it("loopback, the default, takes 127.0.0.1 and ::1 and nothing else", () => {
    const loopback = ranges(LOOPBACK_RANGES)
    expect(["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"].map(loopback.includes)).toEqual([true, true, true, true])
    expect(["10.0.0.1", "::2", "192.168.0.1"].map(loopback.includes)).toEqual([false, false, false])
    expect(loopback.text).toEqual(["127.0.0.0/8", "::1/128"])
  })

  it.each([
    { range: "10.0.0/8", problem: "\"10.0.0/8\" is not an address range: expected CIDR such as 10.0.0.0/8 or fd00::/8" },
    { range: "10.0.0.0/33", problem: "\"10.0.0.0/33\": the prefix length must be 0 to 32" },
    { range: "fd00::/129", problem: "\"fd00::/129\": the prefix length must be 0 to 128" },
    { range: "10.0.0.0/x", problem: "\"10.0.0.0/x\": the prefix length must be 0 to 32" },
    { range: "", problem: "\"\" is not an address range: expected CIDR such as 10.0.0.0/8 or fd00::/8" }
  ])("$range is refused", ({ range, problem }) => {
    expect(parseAddressRanges(["127.0.0.1", range])).toEqual(Either.left(problem))
  })
})
