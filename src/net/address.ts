/** An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as dual-stack sockets report) as plain IPv4. */
export const unmapIpv4 = (address: string): string => (address.startsWith("::ffff:") ? address.slice(7) : address)
