"""
What both GStreamer peer scripts share: GStreamer's RTSP server on 127.0.0.1:PORT (or the address
given) serving one media factory at /MOUNT (a fresh pipeline per client, so every client sees the
media from its start), `READY <port>` on stdout once listening, and a clean exit (status 0) on
SIGTERM or SIGINT. With multicast, clients may also ask for RTP/AVP;multicast: the factory is then
shared (one pipeline and one group for every viewer, as a live multicast source is) and groups come
from 239.255.43.0-10, ports 5000-5010, ttl 1 (administratively scoped, one hop).
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def multicast_pool():
    pool = GstRtspServer.RTSPAddressPool()
    pool.add_range("239.255.43.0", "239.255.43.10", 5000, 5010, 1)
    return pool


def serve(port, mount, launch, configure=None, multicast=False, address="127.0.0.1"):
    """Runs until a signal; `configure(media)` is called for every new pipeline (each client's, or the shared one)."""
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(address)
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(multicast)
    if multicast:
        factory.set_address_pool(multicast_pool())
        # Unicast stays on offer: a client that asks for UDP or TCP is served as before.
        factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP_MCAST | GstRtsp.RTSPLowerTrans.UDP | GstRtsp.RTSPLowerTrans.TCP)
    if configure is not None:
        factory.connect("media-configure", lambda _factory, media: configure(media))
    server.get_mount_points().add_factory("/" + mount, factory)

    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        print(f"cannot listen on {address}:{port}", file=sys.stderr)
        return 1

    def stop():
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, stop)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, stop)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0
