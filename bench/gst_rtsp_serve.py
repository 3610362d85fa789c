"""
What both GStreamer peer scripts share: GStreamer's RTSP server on 127.0.0.1:PORT serving one
media factory at /MOUNT (a fresh pipeline per client, so every client sees the media from its
start), `READY <port>` on stdout once listening, and a clean exit (status 0) on SIGTERM or SIGINT.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def serve(port, mount, launch, configure=None):
    """Runs until a signal; `configure(media)` is called for every new client's pipeline."""
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(False)
    if configure is not None:
        factory.connect("media-configure", lambda _factory, media: configure(media))
    server.get_mount_points().add_factory("/" + mount, factory)

    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr)
        return 1

    def stop():
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, stop)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, stop)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0
