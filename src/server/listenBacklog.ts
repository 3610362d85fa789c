/**
 * Connections the kernel queues before accept, for both listeners (RTSP and RTSPS). Node's
 * default (511) is below a burst of players connecting at once (a load test, viewers
 * reconnecting after a network blip): a SYN beyond it is dropped and costs its client a 1 s
 * retransmission. The kernel caps it at net.core.somaxconn.
 */
export const LISTEN_BACKLOG = 4096
