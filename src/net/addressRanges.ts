/**
 * Address ranges in CIDR notation ("10.0.0.0/8", "2001:db8::/32", or one address), parsed once
 * and matched with node's BlockList. Who may publish is decided here.
 */
import { BlockList, isIP } from "node:net"
import { Either } from "effect"
import { unmapIpv4 } from "./address.js"

export interface AddressRanges {
  /** The ranges as given, for logs. */
  readonly text: ReadonlyArray<string>
  readonly includes: (address: string) => boolean
}

/** Loopback: who may publish when nobody said otherwise. */
export const LOOPBACK_RANGES = ["127.0.0.0/8", "::1/128"]

const familyOf = (address: string): "ipv4" | "ipv6" | undefined => {
  const version = isIP(address)
  return version === 4 ? "ipv4" : version === 6 ? "ipv6" : undefined
}

/** The ranges, or the first one that does not parse, saying why. */
export const parseAddressRanges = (ranges: ReadonlyArray<string>): Either.Either<AddressRanges, string> => {
  const list = new BlockList()
  const text: Array<string> = []
  for (const raw of ranges) {
    const range = raw.trim()
    const slash = range.indexOf("/")
    const address = slash < 0 ? range : range.slice(0, slash)
    const family = familyOf(address)
    if (family === undefined) return Either.left(`${JSON.stringify(raw)} is not an address range: expected CIDR such as 10.0.0.0/8 or fd00::/8`)
    const maxPrefix = family === "ipv4" ? 32 : 128
    const prefixText = slash < 0 ? String(maxPrefix) : range.slice(slash + 1)
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN
    if (!(prefix >= 0 && prefix <= maxPrefix)) return Either.left(`${JSON.stringify(raw)}: the prefix length must be 0 to ${maxPrefix}`)
    list.addSubnet(address, prefix, family)
    text.push(`${address}/${prefix}`)
  }
  return Either.right({
    text,
    includes: (candidate) => {
      const address = unmapIpv4(candidate)
      const family = familyOf(address)
      return family !== undefined && list.check(address, family)
    }
  })
}
