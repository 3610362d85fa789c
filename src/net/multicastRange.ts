/**
 * The multicast groups a server may hand out (--multicast-range, IPv4 CIDR inside
 * 224.0.0.0/4) and the port pair that goes with each. Group i is the range's i-th address
 * after its first (a /24's .1 to .254, never .0 or .255, which people read as special), on
 * ports base + 2i and base + 2i + 1, so receivers that bind the wildcard address still keep
 * groups apart. Pure arithmetic.
 */
import { isIPv4 } from "node:net"
import { Either } from "effect"

export interface MulticastRange {
  /** The range as given, normalized ("239.255.42.0/24"), for logs and errors. */
  readonly text: string
  /** First address of the range as an unsigned 32-bit number. */
  readonly network: number
  /** Addresses in the range. */
  readonly size: number
}

/** Administratively scoped multicast (RFC 2365): stays inside the organization. */
export const DEFAULT_MULTICAST_RANGE = "239.255.42.0/24"
export const DEFAULT_MULTICAST_PORT = 8002
export const DEFAULT_MULTICAST_TTL = 1

const toNumber = (address: string): number =>
  address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0)

export const ipv4FromNumber = (n: number): string =>
  [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join(".")

const MULTICAST_NETWORK = toNumber("224.0.0.0")
const MULTICAST_SIZE = 2 ** 28

/** The range, or why it is not one (not IPv4 CIDR, or not all multicast). */
export const parseMulticastRange = (text: string): Either.Either<MulticastRange, string> => {
  const trimmed = text.trim()
  const [address = "", prefixText = "32", ...rest] = trimmed.split("/")
  if (!isIPv4(address) || rest.length > 0 || !/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) {
    return Either.left(`${JSON.stringify(text)} is not an IPv4 range: expected CIDR such as ${DEFAULT_MULTICAST_RANGE}`)
  }
  const prefix = Number(prefixText)
  const size = 2 ** (32 - prefix)
  const network = toNumber(address) - (toNumber(address) % size)
  if (network < MULTICAST_NETWORK || network + size > MULTICAST_NETWORK + MULTICAST_SIZE) {
    return Either.left(`${JSON.stringify(text)} is not multicast: groups are in 224.0.0.0/4 (239.0.0.0/8 stays inside an organization)`)
  }
  return Either.right({ text: `${ipv4FromNumber(network)}/${prefix}`, network, size })
}

/** How many groups the range and the port space after `basePort` give. */
export const groupCapacity = (range: MulticastRange, basePort: number): number => {
  const addresses = range.size >= 4 ? range.size - 2 : range.size
  return Math.max(0, Math.min(addresses, Math.floor((65536 - basePort) / 2)))
}

export interface GroupEndpoint {
  readonly address: string
  readonly rtpPort: number
  readonly rtcpPort: number
}

/** Group `slot` (0-based, below groupCapacity): its address and port pair. */
export const groupEndpoint = (range: MulticastRange, basePort: number, slot: number): GroupEndpoint => ({
  address: ipv4FromNumber(range.network + (range.size >= 4 ? 1 : 0) + slot),
  rtpPort: basePort + 2 * slot,
  rtcpPort: basePort + 2 * slot + 1
})

/** The lowest slot not in use, or undefined when all `capacity` are taken. */
export const freeSlot = (used: ReadonlySet<number>, capacity: number): number | undefined => {
  for (let slot = 0; slot < capacity; slot++) if (!used.has(slot)) return slot
  return undefined
}
