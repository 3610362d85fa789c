/** Multicast ranges: parsing, each group's address and ports, capacity and free slots. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { freeSlot, groupCapacity, groupEndpoint, type MulticastRange, parseMulticastRange } from "../../src/net/multicastRange.js"

const range = (text: string): MulticastRange => Either.getOrThrow(parseMulticastRange(text))

describe("parseMulticastRange", () => {
  it.each([
    ["239.255.42.0/24", "239.255.42.0/24", 256],
    ["239.255.42.200/24", "239.255.42.0/24", 256],
    ["224.0.0.0/4", "224.0.0.0/4", 2 ** 28],
    ["239.1.1.1", "239.1.1.1/32", 1],
    [" 232.5.0.0/30 ", "232.5.0.0/30", 4]
  ] as const)("reads %j as %s", (text, normalized, size) => {
    expect(range(text)).toMatchObject({ text: normalized, size })
  })

  it.each([
    ["10.0.0.0/8", "is not multicast"],
    ["224.0.0.0/3", "is not multicast"],
    ["240.0.0.0/8", "is not multicast"],
    ["239.1.2/24", "is not an IPv4 range"],
    ["239.1.2.0/33", "is not an IPv4 range"],
    ["239.1.2.0/24/1", "is not an IPv4 range"],
    ["ff02::1/128", "is not an IPv4 range"],
    ["", "is not an IPv4 range"]
  ] as const)("refuses %j: %s", (text, problem) => {
    const parsed = parseMulticastRange(text)
    expect(Either.isLeft(parsed) && parsed.left).toContain(problem)
  })
})

describe("groups of a range", () => {
  it("a /24 gives .1 to .254, each on its own port pair", () => {
    const r = range("239.255.42.0/24")
    expect(groupCapacity(r, 8002)).toBe(254)
    expect(groupEndpoint(r, 8002, 0)).toEqual({ address: "239.255.42.1", rtpPort: 8002, rtcpPort: 8003 })
    expect(groupEndpoint(r, 8002, 253)).toEqual({ address: "239.255.42.254", rtpPort: 8508, rtcpPort: 8509 })
  })

  it("a single address or a /31 uses every address; the port space can be what limits", () => {
    expect(groupCapacity(range("239.1.1.1/32"), 8002)).toBe(1)
    expect(groupEndpoint(range("239.1.1.1/32"), 8002, 0).address).toBe("239.1.1.1")
    expect(groupCapacity(range("239.1.1.0/31"), 8002)).toBe(2)
    expect(groupCapacity(range("239.0.0.0/16"), 65530)).toBe(3)
  })

  it("every group of any range is inside it, on distinct addresses and ports", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0x0fffffff }), fc.integer({ min: 20, max: 32 }), fc.integer({ min: 512, max: 32767 }), (offset, prefix, half) => {
      const base = (0xe0000000 + offset) >>> 0
      const text = [base >>> 24, (base >>> 16) & 0xff, (base >>> 8) & 0xff, base & 0xff].join(".") + `/${prefix}`
      const r = range(text)
      const basePort = half * 2
      const capacity = Math.min(groupCapacity(r, basePort), 64)
      const seen = new Set<string>()
      for (let slot = 0; slot < capacity; slot++) {
        const g = groupEndpoint(r, basePort, slot)
        const n = g.address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0)
        expect(n >= r.network && n < r.network + r.size).toBe(true)
        expect(g.rtcpPort).toBe(g.rtpPort + 1)
        expect(g.rtcpPort).toBeLessThanOrEqual(65535)
        seen.add(g.address)
      }
      expect(seen.size).toBe(capacity)
    }), { numRuns: 200 })
  })

  it("freeSlot takes the lowest slot not in use, none when all are", () => {
    expect(freeSlot(new Set(), 3)).toBe(0)
    expect(freeSlot(new Set([0, 2]), 3)).toBe(1)
    expect(freeSlot(new Set([0, 1, 2]), 3)).toBeUndefined()
  })
})
