/** Which addresses are multicast groups, and what a receiver of one binds. Pure. */
import { isIPv4, isIPv6 } from "node:net"

/** IPv4 224.0.0.0/4 or IPv6 ff00::/8. */
export const isMulticastAddress = (address: string): boolean => {
  if (isIPv4(address)) {
    const first = Number(address.split(".")[0])
    return first >= 224 && first <= 239
  }
  return isIPv6(address) && /^ff/i.test(address)
}

/**
 * The local address a receiver of `group` binds. Linux delivers to a socket bound to the group
 * only that group's datagrams (a wildcard bind would also get every other group joined on the
 * port, by every process); other systems differ (Windows refuses the bind), so the wildcard there.
 */
export const multicastBindHost = (group: string, platform: NodeJS.Platform = process.platform): string =>
  platform === "linux" ? group : isIPv6(group) ? "::" : "0.0.0.0"
