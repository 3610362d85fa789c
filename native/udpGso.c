/*
 * One kernel call per frame on the RTP socket: UDP generic segmentation
 * offload (Linux >= 4.18, UDP_SEGMENT as a per-message cmsg). A message of
 * N equal packets leaves as N datagrams from the same socket (so from the
 * port SETUP announced), and the kernel, not our code, does the per-packet
 * work. Node 20's dgram has no such call, hence this addon; it writes on a
 * socket node:dgram already owns and never changes the socket's options, so
 * every other send on it (RTCP, classic whole-JPEG datagrams) is unaffected.
 *
 * sendFrame(fd, ipv6, address, port, headers, headerSize, payloads)
 *   sends datagram i = headers[i*headerSize .. +headerSize] ++ payloads[i],
 *   grouping runs of equal-sized datagrams (at most 64 and 65,000 bytes a
 *   message) into one sendmsg each. Returns the number of sendmsg calls, or
 *   -errno of the first that failed (datagrams before it were sent).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define MAX_SEGMENTS 64
#define MAX_MESSAGE_BYTES 65000
#define MAX_PACKETS 4096

static napi_value int_value(napi_env env, int64_t n) {
  napi_value out;
  napi_create_int64(env, n, &out);
  return out;
}

static int send_message(int fd, const void *to, socklen_t to_length, struct iovec *iov, int iov_count, int segments, uint16_t segment_size) {
  struct msghdr message;
  char control[CMSG_SPACE(sizeof(uint16_t))];
  memset(&message, 0, sizeof message);
  message.msg_name = (void *)to;
  message.msg_namelen = to_length;
  message.msg_iov = iov;
  message.msg_iovlen = iov_count;
  if (segments > 1) {
    memset(control, 0, sizeof control);
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&message);
    cm->cmsg_level = SOL_UDP;
    cm->cmsg_type = UDP_SEGMENT;
    cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    memcpy(CMSG_DATA(cm), &segment_size, sizeof segment_size);
  }
  for (;;) {
    ssize_t sent = sendmsg(fd, &message, 0);
    if (sent >= 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

/* The datagrams gathered for one message: equal segments, the last may be shorter. */
struct batch {
  struct iovec iov[2 * MAX_SEGMENTS];
  int segments;
  size_t segment_size;
  size_t bytes;
  int calls;
};

/* Sends the gathered message (if any) and empties the batch; 0, or -errno. */
static int flush(int fd, const void *to, socklen_t to_length, struct batch *batch) {
  if (batch->segments == 0) return 0;
  int result = send_message(fd, to, to_length, batch->iov, 2 * batch->segments, batch->segments, (uint16_t)batch->segment_size);
  batch->segments = 0;
  batch->bytes = 0;
  if (result == 0) batch->calls++;
  return result;
}

static napi_value send_frame(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 7) return int_value(env, -EINVAL);
  int32_t fd, port, header_size;
  bool ipv6;
  char address[64];
  size_t address_length;
  uint8_t *headers;
  size_t headers_length;
  uint32_t count;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_bool(env, argv[1], &ipv6) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], address, sizeof address, &address_length) != napi_ok ||
      napi_get_value_int32(env, argv[3], &port) != napi_ok ||
      napi_get_buffer_info(env, argv[4], (void **)&headers, &headers_length) != napi_ok ||
      napi_get_value_int32(env, argv[5], &header_size) != napi_ok ||
      napi_get_array_length(env, argv[6], &count) != napi_ok) {
    return int_value(env, -EINVAL);
  }
  if (fd < 0 || port <= 0 || port > 65535 || header_size < 0 || count > MAX_PACKETS || headers_length < (size_t)header_size * count) {
    return int_value(env, -EINVAL);
  }

  struct sockaddr_in to4;
  struct sockaddr_in6 to6;
  const void *to;
  socklen_t to_length;
  if (ipv6) {
    memset(&to6, 0, sizeof to6);
    to6.sin6_family = AF_INET6;
    to6.sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, address, &to6.sin6_addr) != 1) return int_value(env, -EINVAL);
    to = &to6;
    to_length = sizeof to6;
  } else {
    memset(&to4, 0, sizeof to4);
    to4.sin_family = AF_INET;
    to4.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &to4.sin_addr) != 1) return int_value(env, -EINVAL);
    to = &to4;
    to_length = sizeof to4;
  }

  struct batch batch = { .segments = 0, .segment_size = 0, .bytes = 0, .calls = 0 };
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    uint8_t *payload;
    size_t payload_length;
    if (napi_get_element(env, argv[6], i, &element) != napi_ok ||
        napi_get_buffer_info(env, element, (void **)&payload, &payload_length) != napi_ok) {
      return int_value(env, -EINVAL);
    }
    size_t size = (size_t)header_size + payload_length;
    if (size > MAX_MESSAGE_BYTES) return int_value(env, -EMSGSIZE);
    /* A message carries equal segments, the last may be shorter: a larger one, a full message or
       one that would pass the size limit starts the next message. */
    if (batch.segments > 0 && (size > batch.segment_size || batch.segments == MAX_SEGMENTS || batch.bytes + size > MAX_MESSAGE_BYTES)) {
      int result = flush(fd, to, to_length, &batch);
      if (result < 0) return int_value(env, result);
    }
    if (batch.segments == 0) batch.segment_size = size;
    batch.iov[2 * batch.segments].iov_base = headers + (size_t)header_size * i;
    batch.iov[2 * batch.segments].iov_len = (size_t)header_size;
    batch.iov[2 * batch.segments + 1].iov_base = payload;
    batch.iov[2 * batch.segments + 1].iov_len = payload_length;
    batch.segments++;
    batch.bytes += size;
    /* A shorter datagram must be its message's last. */
    if (size < batch.segment_size) {
      int result = flush(fd, to, to_length, &batch);
      if (result < 0) return int_value(env, result);
    }
  }
  int result = flush(fd, to, to_length, &batch);
  if (result < 0) return int_value(env, result);
  return int_value(env, batch.calls);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sendFrame", NAPI_AUTO_LENGTH, send_frame, NULL, &fn);
  napi_set_named_property(env, exports, "sendFrame", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
