/** An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as dual-stack sockets report) as plain IPv4. */
export const unmapIpv4 = (address: string): string => (address.startsWith("::ffff:") ? address.slice(7) : address)

/** The other way: an IPv4 address as a dual-stack (IPv6) socket addresses it; IPv6 addresses stay. */
export const mapIpv4 = (address: string): string => (address.includes(":") ? address : `::ffff:${address}`)
