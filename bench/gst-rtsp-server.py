"""
A test peer we did not write: GStreamer's RTSP server serving one raw MJPEG
file (concatenated JPEGs) as RFC 2435 JPEG over RTP, paced at the given rate.

    gst-rtsp-server.py PORT FILE FPS [MOUNT [PT [loop] [multicast] [address=A]]]

PORT 0 picks a free port; MOUNT defaults to movie.mjpeg; PT (the RTP payload
type) to 26, the static JPEG type (96-127: a dynamic one, announced by
a=rtpmap only); `loop` plays the file over and over (the benchmark's load
cases outlast one pass); `multicast` also offers RTP/AVP;multicast, from one
pipeline shared by every client (see gst_rtsp_serve.py); `address=A` listens
on A instead of 127.0.0.1. Prints `READY <port>` on stdout once listening;
exits cleanly (status 0) on SIGTERM or SIGINT.
"""
import sys

# First: it requires the GStreamer versions Gst is imported at.
from gst_rtsp_serve import serve
from gi.repository import Gst  # noqa: E402


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
    flags = argv[6:]
    if len(argv) < 4 or any(flag not in ("loop", "multicast") and not flag.startswith("address=") for flag in flags):
        print(f"usage: {argv[0]} PORT FILE FPS [MOUNT [PT [loop] [multicast] [address=A]]]", file=sys.stderr)
        return 2
    port, path, fps = int(argv[1]), argv[2], int(argv[3])
    mount = argv[4] if len(argv) >= 5 else "movie.mjpeg"
    pt = int(argv[5]) if len(argv) >= 6 else 26
    loop = "loop" in flags
    address = next((flag[len("address="):] for flag in flags if flag.startswith("address=")), "127.0.0.1")

    # Frames get their timestamps as each pipeline is made (see stamp_frames).
    return serve(port, mount, launch_line(path, fps, pt, loop), lambda media: stamp_frames(media, fps), multicast="multicast" in flags, address=address)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
