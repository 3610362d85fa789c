/*
 * One kernel call for many frames on the RTP socket: UDP generic
 * segmentation offload (Linux >= 4.18, UDP_SEGMENT as a per-message cmsg)
 * inside sendmmsg. A message of N equal packets leaves as N datagrams from
 * the same socket (so from the port SETUP announced), and the kernel, not
 * our code, does the per-packet work; sendmmsg carries the messages of every
 * frame that fell due in one event-loop turn, whichever viewer they go to.
 * Node 20's dgram has no such call, hence this addon; it writes on a socket
 * node:dgram already owns and never changes the socket's options, so every
 * other send on it is unaffected.
 *
 * sendFrames(fd, ipv6, count, addresses, ports, headers, headerOffsets, headerSize, payloadLists, results)
 *   frame f (f < count) goes to addresses[f]:ports[f] as datagrams
 *   i = headers[headerOffsets[f] + i*headerSize .. +headerSize] ++ payloadLists[f][i].
 *   Runs of equal-sized datagrams (at most 64 and 65,000 bytes) become one
 *   message each. results[f] is set to 0, or -errno of the message that
 *   failed (the frame's datagrams before it were sent, the rest are not).
 *   Returns the number of sendmmsg calls, or -EINVAL for malformed arguments.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
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
#define MAX_PACKETS_PER_FRAME 4096
#define MAX_FRAMES 65536
/* The kernel takes at most UIO_MAXIOV (1024) messages per sendmmsg. */
#define MESSAGES_PER_CALL 1024

static napi_value int_value(napi_env env, int64_t n) {
  napi_value out;
  napi_create_int64(env, n, &out);
  return out;
}

/* One message's control block: the segment size, when the message has more than one datagram. */
typedef union {
  char bytes[CMSG_SPACE(sizeof(uint16_t))];
  struct cmsghdr align;
} segment_control;

struct plan {
  struct mmsghdr *messages;
  segment_control *controls;
  struct iovec *iov;
  uint32_t *frame_of;
  struct sockaddr_in6 *destinations;
  uint32_t message_count;
};

static void free_plan(struct plan *plan) {
  free(plan->messages);
  free(plan->controls);
  free(plan->iov);
  free(plan->frame_of);
  free(plan->destinations);
}

static int parse_destination(bool ipv6, const char *address, int32_t port, struct sockaddr_in6 *out, socklen_t *length) {
  memset(out, 0, sizeof *out);
  if (port <= 0 || port > 65535) return -EINVAL;
  if (ipv6) {
    out->sin6_family = AF_INET6;
    out->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, address, &out->sin6_addr) != 1) return -EINVAL;
    *length = sizeof(struct sockaddr_in6);
  } else {
    struct sockaddr_in *to4 = (struct sockaddr_in *)out;
    to4->sin_family = AF_INET;
    to4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &to4->sin_addr) != 1) return -EINVAL;
    *length = sizeof(struct sockaddr_in);
  }
  return 0;
}

/* Closes the message being built: its iov range, its destination, and the segment size if segmented. */
static void close_message(struct plan *plan, uint32_t frame, size_t iov_start, size_t iov_end, int segments, size_t segment_size, socklen_t to_length) {
  uint32_t m = plan->message_count++;
  struct msghdr *message = &plan->messages[m].msg_hdr;
  memset(message, 0, sizeof *message);
  message->msg_name = &plan->destinations[frame];
  message->msg_namelen = to_length;
  message->msg_iov = &plan->iov[iov_start];
  message->msg_iovlen = iov_end - iov_start;
  plan->frame_of[m] = frame;
  if (segments > 1) {
    segment_control *control = &plan->controls[m];
    memset(control, 0, sizeof *control);
    message->msg_control = control->bytes;
    message->msg_controllen = sizeof control->bytes;
    struct cmsghdr *cm = CMSG_FIRSTHDR(message);
    cm->cmsg_level = SOL_UDP;
    cm->cmsg_type = UDP_SEGMENT;
    cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t size = (uint16_t)segment_size;
    memcpy(CMSG_DATA(cm), &size, sizeof size);
  }
}

static napi_value send_frames(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 10) return int_value(env, -EINVAL);
  int32_t fd, header_size;
  uint32_t count, list_count, address_count;
  bool ipv6;
  uint8_t *headers;
  size_t headers_length;
  int32_t *ports, *header_offsets, *results;
  size_t ports_length, offsets_length, results_length;
  napi_typedarray_type type;
  napi_value ignored;
  size_t offset;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_bool(env, argv[1], &ipv6) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &count) != napi_ok ||
      napi_get_array_length(env, argv[3], &address_count) != napi_ok ||
      napi_get_typedarray_info(env, argv[4], &type, &ports_length, (void **)&ports, &ignored, &offset) != napi_ok || type != napi_int32_array ||
      napi_get_buffer_info(env, argv[5], (void **)&headers, &headers_length) != napi_ok ||
      napi_get_typedarray_info(env, argv[6], &type, &offsets_length, (void **)&header_offsets, &ignored, &offset) != napi_ok || type != napi_int32_array ||
      napi_get_value_int32(env, argv[7], &header_size) != napi_ok ||
      napi_get_array_length(env, argv[8], &list_count) != napi_ok ||
      napi_get_typedarray_info(env, argv[9], &type, &results_length, (void **)&results, &ignored, &offset) != napi_ok || type != napi_int32_array) {
    return int_value(env, -EINVAL);
  }
  if (fd < 0 || header_size < 0 || count > MAX_FRAMES || address_count < count || ports_length < count ||
      offsets_length < count || list_count < count || results_length < count) {
    return int_value(env, -EINVAL);
  }

  /* First pass: each frame's payload list, to size the plan. */
  napi_value *lists = malloc(sizeof(napi_value) * (count > 0 ? count : 1));
  uint32_t *packet_counts = malloc(sizeof(uint32_t) * (count > 0 ? count : 1));
  if (lists == NULL || packet_counts == NULL) {
    free(lists);
    free(packet_counts);
    return int_value(env, -ENOMEM);
  }
  size_t total_packets = 0;
  for (uint32_t f = 0; f < count; f++) {
    if (napi_get_element(env, argv[8], f, &lists[f]) != napi_ok || napi_get_array_length(env, lists[f], &packet_counts[f]) != napi_ok) {
      free(lists);
      free(packet_counts);
      return int_value(env, -EINVAL);
    }
    total_packets += packet_counts[f];
  }
  size_t slots = total_packets > 0 ? total_packets : 1;
  struct plan plan = {
    .messages = malloc(sizeof(struct mmsghdr) * slots),
    .controls = malloc(sizeof(segment_control) * slots),
    .iov = malloc(sizeof(struct iovec) * 2 * slots),
    .frame_of = malloc(sizeof(uint32_t) * slots),
    .destinations = malloc(sizeof(struct sockaddr_in6) * (count > 0 ? count : 1)),
    .message_count = 0
  };
  if (plan.messages == NULL || plan.controls == NULL || plan.iov == NULL || plan.frame_of == NULL || plan.destinations == NULL) {
    free_plan(&plan);
    free(lists);
    free(packet_counts);
    return int_value(env, -ENOMEM);
  }

  /* Second pass: the messages. A frame the addon cannot read gets -EINVAL and no message. */
  size_t iov_used = 0;
  for (uint32_t f = 0; f < count; f++) {
    results[f] = 0;
    char address[64];
    size_t address_length;
    napi_value address_value;
    socklen_t to_length = 0;
    uint32_t packets = packet_counts[f];
    if (napi_get_element(env, argv[3], f, &address_value) != napi_ok ||
        napi_get_value_string_utf8(env, address_value, address, sizeof address, &address_length) != napi_ok ||
        parse_destination(ipv6, address, ports[f], &plan.destinations[f], &to_length) != 0 ||
        packets > MAX_PACKETS_PER_FRAME || header_offsets[f] < 0 ||
        (size_t)header_offsets[f] + (size_t)header_size * packets > headers_length) {
      results[f] = -EINVAL;
      continue;
    }
    const size_t frame_iov_start = iov_used;
    size_t message_iov_start = iov_used;
    int segments = 0;
    size_t segment_size = 0, message_bytes = 0;
    for (uint32_t i = 0; i < packets && results[f] == 0; i++) {
      napi_value element;
      uint8_t *payload;
      size_t payload_length;
      if (napi_get_element(env, lists[f], i, &element) != napi_ok ||
          napi_get_buffer_info(env, element, (void **)&payload, &payload_length) != napi_ok) {
        results[f] = -EINVAL;
        break;
      }
      size_t size = (size_t)header_size + payload_length;
      if (size > MAX_MESSAGE_BYTES) {
        results[f] = -EMSGSIZE;
        break;
      }
      /* A message carries equal segments, the last may be shorter: a larger one, a full message or
         one that would pass the size limit starts the next message. */
      if (segments > 0 && (size > segment_size || segments == MAX_SEGMENTS || message_bytes + size > MAX_MESSAGE_BYTES)) {
        close_message(&plan, f, message_iov_start, iov_used, segments, segment_size, to_length);
        message_iov_start = iov_used;
        segments = 0;
        message_bytes = 0;
      }
      if (segments == 0) segment_size = size;
      plan.iov[iov_used].iov_base = headers + header_offsets[f] + (size_t)header_size * i;
      plan.iov[iov_used].iov_len = (size_t)header_size;
      plan.iov[iov_used + 1].iov_base = payload;
      plan.iov[iov_used + 1].iov_len = payload_length;
      iov_used += 2;
      segments++;
      message_bytes += size;
      /* A shorter datagram must be its message's last. */
      if (size < segment_size) {
        close_message(&plan, f, message_iov_start, iov_used, segments, segment_size, to_length);
        message_iov_start = iov_used;
        segments = 0;
        message_bytes = 0;
      }
    }
    if (results[f] != 0) {
      /* Nothing of a frame that cannot be read is sent: drop the messages already planned for it. */
      while (plan.message_count > 0 && plan.frame_of[plan.message_count - 1] == f) plan.message_count--;
      iov_used = frame_iov_start;
      continue;
    }
    if (segments > 0) close_message(&plan, f, message_iov_start, iov_used, segments, segment_size, to_length);
  }

  /* Send. A failed message fails its frame: the frame's later messages are skipped, other frames go on. */
  int64_t calls = 0;
  uint32_t next = 0;
  while (next < plan.message_count) {
    uint32_t batch = plan.message_count - next;
    if (batch > MESSAGES_PER_CALL) batch = MESSAGES_PER_CALL;
    int sent = sendmmsg(fd, &plan.messages[next], batch, 0);
    if (sent > 0) {
      calls++;
      next += (uint32_t)sent;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    int error = sent < 0 ? errno : EIO;
    uint32_t failed = plan.frame_of[next];
    results[failed] = -error;
    while (next < plan.message_count && plan.frame_of[next] == failed) next++;
  }
  free_plan(&plan);
  free(lists);
  free(packet_counts);
  return int_value(env, calls);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sendFrames", NAPI_AUTO_LENGTH, send_frames, NULL, &fn);
  napi_set_named_property(env, exports, "sendFrames", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
