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
import sys

from gst_rtsp_serve import serve


def main(argv):
    if len(argv) != 4:
        print(f"usage: {argv[0]} PORT MOUNT LAUNCH", file=sys.stderr)
        return 2
    return serve(int(argv[1]), argv[2], argv[3])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
