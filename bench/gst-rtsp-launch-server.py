"""
A test peer we did not write: GStreamer's RTSP server serving whatever one
gst-launch-style pipeline makes, e.g. a file demuxed and payloaded as it is
(H.264, H.265, AAC, Opus), never re-encoded.

    gst-rtsp-launch-server.py PORT MOUNT LAUNCH

PORT 0 picks a free port. LAUNCH is a gst-rtsp-server launch line, with the
payloaders named pay0, pay1, ... (one per track). Each client gets its own
pipeline, so every client sees the media from its start. Prints
`READY <port>` on stdout once listening; exits cleanly (status 0) on SIGTERM
or SIGINT.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main(argv):
    if len(argv) != 4:
        print(f"usage: {argv[0]} PORT MOUNT LAUNCH", file=sys.stderr)
        return 2
    port, mount, launch = int(argv[1]), argv[2], argv[3]

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(False)
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


if __name__ == "__main__":
    sys.exit(main(sys.argv))
