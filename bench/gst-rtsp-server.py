"""
A test peer we did not write: GStreamer's RTSP server serving one raw MJPEG
file (concatenated JPEGs) as RFC 2435 JPEG over RTP, paced at the given rate.

    gst-rtsp-server.py PORT FILE FPS [MOUNT [PT [loop]]]

PORT 0 picks a free port; MOUNT defaults to movie.mjpeg; PT (the RTP payload
type) to 26, the static JPEG type (96-127: a dynamic one, announced by
a=rtpmap only); `loop` plays the file over and over (the benchmark's load
cases outlast one pass). Prints `READY <port>` on stdout once listening; exits cleanly
(status 0) on SIGTERM or SIGINT.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def launch_line(path, fps, pt, loop):
    location = path.replace("\\", "\\\\").replace('"', '\\"')
    source = f'multifilesrc location="{location}" loop=true' if loop else f'filesrc location="{location}"'
    return (
        f'( {source} ! image/jpeg,framerate={fps}/1 ! jpegparse name=parse '
        f"! rtpjpegpay name=pay0 pt={pt} )"
    )


def stamp_frames(media, fps):
    """jpegparse (1.22) leaves every frame after the first without a timestamp, and the server's
    sinks then send the whole file in a burst. Frame k gets pts k/fps here, so the sinks (which
    sync on the clock) pace it at the file's rate and rtpjpegpay derives RTP timestamps from it."""
    parse = media.get_element().get_by_name("parse")
    count = [0]

    def on_buffer(_pad, info):
        buf = info.get_buffer()
        buf.pts = count[0] * Gst.SECOND // fps
        buf.dts = buf.pts
        buf.duration = Gst.SECOND // fps
        count[0] += 1
        return Gst.PadProbeReturn.OK

    parse.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, on_buffer)


def main(argv):
    if len(argv) not in (4, 5, 6, 7) or (len(argv) == 7 and argv[6] != "loop"):
        print(f"usage: {argv[0]} PORT FILE FPS [MOUNT [PT [loop]]]", file=sys.stderr)
        return 2
    port, path, fps = int(argv[1]), argv[2], int(argv[3])
    mount = argv[4] if len(argv) >= 5 else "movie.mjpeg"
    pt = int(argv[5]) if len(argv) >= 6 else 26
    loop = len(argv) == 7

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(path, fps, pt, loop))
    # One pipeline per client, so every client sees the file from its first frame.
    factory.set_shared(False)
    factory.connect("media-configure", lambda _factory, media: stamp_frames(media, fps))
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
