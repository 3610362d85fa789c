/*
 * Batched receive on many UDP sockets at once: the harness and the bench's
 * load client hold one RTP socket per session, and node:dgram reads them one
 * datagram per recvmsg and one JavaScript callback per datagram. Here the
 * sockets sit in one private epoll set; when any is readable, recvmmsg
 * drains them into one reused buffer and ONE callback hands the whole batch
 * to JavaScript. With UDP_GRO on a socket, the kernel also delivers a run of
 * equal-sized datagrams (a GSO sender's frame, kept whole on loopback) as
 * one buffer with its segment size, so a frame is one entry, not seven.
 *
 * createReactor(callback, slots, slotBytes) -> [reactor, data ArrayBuffer, descriptors ArrayBuffer]
 *   callback(count) runs on the loop's thread; entry i < count is
 *   descriptors[5i .. 5i+4] = token, offset into data, length (or -errno of a
 *   failed receive), GRO segment size (0: one datagram), and how long before
 *   the callback the kernel received it, in microseconds (-1: unknown). The
 *   age comes from the kernel's receive timestamp (SO_TIMESTAMPNS), so the
 *   arrival times stay true when the loop is late to read.
 * watch(reactor, fd, token) / unwatch(reactor, fd) -> 0 or -errno
 *   The socket stays owned by whoever opened it (node:dgram); its owner stops
 *   its own reads. A closed fd leaves the epoll set by itself.
 * enableGro(fd) -> 0 or -errno (UDP_GRO, Linux >= 5.0).
 * enableTimestamps(fd) -> 0 or -errno (SO_TIMESTAMPNS).
 *
 * A reactor lives as long as its thread: the poll handle is unref'd (the
 * sockets keep the loop alive, not this), and the thread's end closes it in
 * an async cleanup hook, as libuv needs every handle closed before its loop.
 */
#define _GNU_SOURCE /* recvmmsg */
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#define MAX_SLOTS 1024
#define MIN_SLOT_BYTES 2048
#define MAX_SLOT_BYTES (1 << 20)
#define EVENTS_PER_WAIT 256
/* Batches per readiness: bounded so that one flood cannot hold the loop. */
#define BATCHES_PER_WAKE 16

#define DESCRIPTOR_INTS 5

typedef union {
  char bytes[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct timespec))];
  struct cmsghdr align;
} gro_control;

struct reactor {
  napi_env env;
  napi_ref callback;
  napi_ref data_ref;
  napi_ref descriptors_ref;
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup;
  uint8_t *data;
  int32_t *descriptors;
  uint32_t slots;
  uint32_t slot_bytes;
  int epfd;
  int closed;
  uv_poll_t poll;
  struct mmsghdr *messages;
  struct iovec *iov;
  gro_control *controls;
  struct timespec *received;
};

static napi_value int_value(napi_env env, int64_t n) {
  napi_value out;
  napi_create_int64(env, n, &out);
  return out;
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* The GRO segment size (0: one datagram) and the kernel's receive time (tv_sec < 0: none). */
static void read_control(struct msghdr *header, int32_t *segment, struct timespec *received) {
  *segment = 0;
  received->tv_sec = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(header); c != NULL; c = CMSG_NXTHDR(header, c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int size;
      memcpy(&size, CMSG_DATA(c), sizeof size);
      *segment = size;
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      memcpy(received, CMSG_DATA(c), sizeof *received);
    }
  }
}

static int32_t age_micros(const struct timespec *now, const struct timespec *received) {
  if (received->tv_sec < 0) return -1;
  int64_t micros = (int64_t)(now->tv_sec - received->tv_sec) * 1000000 + (now->tv_nsec - received->tv_nsec) / 1000;
  if (micros < 0) return 0;
  return micros > INT32_MAX ? INT32_MAX : (int32_t)micros;
}

/* Receives into slots [used, slots) from one socket; returns the new count of used slots. */
static uint32_t drain_socket(struct reactor *r, int fd, int32_t token, uint32_t used) {
  uint32_t room = r->slots - used;
  for (uint32_t i = 0; i < room; i++) {
    struct msghdr *h = &r->messages[used + i].msg_hdr;
    h->msg_name = NULL;
    h->msg_namelen = 0;
    h->msg_iov = &r->iov[used + i];
    h->msg_iovlen = 1;
    h->msg_control = r->controls[used + i].bytes;
    h->msg_controllen = sizeof(gro_control);
    h->msg_flags = 0;
  }
  int got = recvmmsg(fd, &r->messages[used], room, MSG_DONTWAIT, NULL);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return used;
    int32_t *d = &r->descriptors[DESCRIPTOR_INTS * used];
    d[0] = token;
    d[1] = (int32_t)(used * r->slot_bytes);
    d[2] = -errno;
    d[3] = 0;
    d[4] = -1;
    return used + 1;
  }
  for (int i = 0; i < got; i++) {
    uint32_t slot = used + (uint32_t)i;
    int32_t *d = &r->descriptors[DESCRIPTOR_INTS * slot];
    d[0] = token;
    d[1] = (int32_t)(slot * r->slot_bytes);
    d[2] = (int32_t)r->messages[slot].msg_len;
    /* The receive time is kept in the age slot's place until the batch is handed over. */
    struct timespec received;
    read_control(&r->messages[slot].msg_hdr, &d[3], &received);
    r->received[slot] = received;
  }
  return used + (uint32_t)got;
}

static void deliver(struct reactor *r, uint32_t count) {
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, result;
  napi_value argv[1];
  napi_get_reference_value(env, r->callback, &callback);
  napi_get_global(env, &receiver); /* make_callback wants an object to call on */
  napi_create_uint32(env, count, &argv[0]);
  /* make_callback, not call_function: it runs the microtasks queued by the handlers, as node's own events do. */
  if (napi_make_callback(env, r->async_context, receiver, callback, 1, argv, &result) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  struct reactor *r = handle->data;
  struct epoll_event ready[EVENTS_PER_WAIT];
  for (int batch = 0; batch < BATCHES_PER_WAKE && !r->closed; batch++) {
    int n = epoll_wait(r->epfd, ready, EVENTS_PER_WAIT, 0);
    if (n <= 0) return;
    uint32_t used = 0;
    for (int i = 0; i < n && used < r->slots; i++) {
      int fd = (int)(uint32_t)(ready[i].data.u64 & 0xffffffffu);
      int32_t token = (int32_t)(ready[i].data.u64 >> 32);
      used = drain_socket(r, fd, token, used);
    }
    if (used > 0) {
      struct timespec now;
      clock_gettime(CLOCK_REALTIME, &now);
      for (uint32_t slot = 0; slot < used; slot++) {
        int32_t *d = &r->descriptors[DESCRIPTOR_INTS * slot];
        d[4] = d[2] < 0 ? -1 : age_micros(&now, &r->received[slot]);
      }
      deliver(r, used);
    }
    /* Everything ready fitted: the sockets are drained until the next readiness. */
    if (used < r->slots && n < EVENTS_PER_WAIT) return;
  }
}

/* The thread is ending: libuv gets the poll handle back, then the memory and the epoll set go. */
static void free_after_close(uv_handle_t *handle) {
  struct reactor *r = handle->data;
  napi_async_cleanup_hook_handle hook = r->cleanup;
  /* Closed only now: a number freed earlier could be reused and dropped from libuv's own set by the close. */
  close(r->epfd);
  free(r->messages);
  free(r->iov);
  free(r->controls);
  free(r->received);
  free(r);
  napi_remove_async_cleanup_hook(hook);
}

static void on_env_cleanup(napi_async_cleanup_hook_handle hook, void *arg) {
  (void)hook;
  struct reactor *r = arg;
  r->closed = 1;
  uv_poll_stop(&r->poll);
  napi_delete_reference(r->env, r->callback);
  napi_delete_reference(r->env, r->data_ref);
  napi_delete_reference(r->env, r->descriptors_ref);
  napi_async_destroy(r->env, r->async_context);
  uv_close((uv_handle_t *)&r->poll, free_after_close);
}

static struct reactor *reactor_of(napi_env env, napi_value value) {
  void *pointer = NULL;
  if (napi_get_value_external(env, value, &pointer) != napi_ok) return NULL;
  return pointer;
}

static napi_value create_reactor(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_error(env, "createReactor(callback, slots, slotBytes)");
  napi_valuetype type;
  napi_typeof(env, argv[0], &type);
  uint32_t slots = 0, slot_bytes = 0;
  if (type != napi_function || napi_get_value_uint32(env, argv[1], &slots) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &slot_bytes) != napi_ok || slots == 0 || slots > MAX_SLOTS ||
      slot_bytes < MIN_SLOT_BYTES || slot_bytes > MAX_SLOT_BYTES) {
    return throw_error(env, "createReactor: a function, 1 to 1024 slots of 2 KiB to 1 MiB");
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_error(env, "createReactor: no event loop");
  struct reactor *r = calloc(1, sizeof *r);
  if (r == NULL) return throw_error(env, "createReactor: out of memory");
  r->messages = calloc(slots, sizeof *r->messages);
  r->iov = calloc(slots, sizeof *r->iov);
  r->controls = calloc(slots, sizeof *r->controls);
  r->received = calloc(slots, sizeof *r->received);
  r->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (r->messages == NULL || r->iov == NULL || r->controls == NULL || r->received == NULL || r->epfd < 0) {
    if (r->epfd >= 0) close(r->epfd);
    free(r->messages);
    free(r->iov);
    free(r->controls);
    free(r->received);
    free(r);
    return throw_error(env, "createReactor: cannot allocate the epoll set or the message table");
  }
  r->env = env;
  r->slots = slots;
  r->slot_bytes = slot_bytes;
  napi_value data, descriptors, name, external, out;
  void *data_memory = NULL, *descriptor_memory = NULL;
  napi_create_arraybuffer(env, (size_t)slots * slot_bytes, &data_memory, &data);
  napi_create_arraybuffer(env, (size_t)slots * DESCRIPTOR_INTS * sizeof(int32_t), &descriptor_memory, &descriptors);
  r->data = data_memory;
  r->descriptors = descriptor_memory;
  for (uint32_t i = 0; i < slots; i++) {
    r->iov[i].iov_base = r->data + (size_t)i * slot_bytes;
    r->iov[i].iov_len = slot_bytes;
  }
  napi_create_reference(env, argv[0], 1, &r->callback);
  napi_create_reference(env, data, 1, &r->data_ref);
  napi_create_reference(env, descriptors, 1, &r->descriptors_ref);
  napi_create_string_utf8(env, "UdpBatchReceive", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &r->async_context);
  uv_poll_init(loop, &r->poll, r->epfd);
  r->poll.data = r;
  uv_poll_start(&r->poll, UV_READABLE, on_readable);
  uv_unref((uv_handle_t *)&r->poll);
  napi_add_async_cleanup_hook(env, on_env_cleanup, r, &r->cleanup);
  napi_create_external(env, r, NULL, NULL, &external);
  napi_create_array_with_length(env, 3, &out);
  napi_set_element(env, out, 0, external);
  napi_set_element(env, out, 1, data);
  napi_set_element(env, out, 2, descriptors);
  return out;
}

static napi_value watch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct reactor *r = argc < 3 ? NULL : reactor_of(env, argv[0]);
  int32_t fd = -1, token = -1;
  if (r == NULL || r->closed || napi_get_value_int32(env, argv[1], &fd) != napi_ok ||
      napi_get_value_int32(env, argv[2], &token) != napi_ok || fd < 0 || token < 0) {
    return int_value(env, -EINVAL);
  }
  struct epoll_event event = { .events = EPOLLIN, .data.u64 = ((uint64_t)(uint32_t)token << 32) | (uint32_t)fd };
  return int_value(env, epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &event) == 0 ? 0 : -errno);
}

static napi_value unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct reactor *r = argc < 2 ? NULL : reactor_of(env, argv[0]);
  int32_t fd = -1;
  if (r == NULL || r->closed || napi_get_value_int32(env, argv[1], &fd) != napi_ok || fd < 0) return int_value(env, -EINVAL);
  return int_value(env, epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL) == 0 ? 0 : -errno);
}

/* setsockopt(fd, level, name, 1) for the function's one argument, fd: 0 or -errno. */
static napi_value switch_on(napi_env env, napi_callback_info info, int level, int name) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) return int_value(env, -EINVAL);
  int on = 1;
  return int_value(env, setsockopt(fd, level, name, &on, sizeof on) == 0 ? 0 : -errno);
}

static napi_value enable_gro(napi_env env, napi_callback_info info) { return switch_on(env, info, SOL_UDP, UDP_GRO); }

static napi_value enable_timestamps(napi_env env, napi_callback_info info) { return switch_on(env, info, SOL_SOCKET, SO_TIMESTAMPNS); }

static napi_value init(napi_env env, napi_value exports) {
  const struct {
    const char *name;
    napi_callback function;
  } exported[] = {
    { "createReactor", create_reactor },
    { "watch", watch },
    { "unwatch", unwatch },
    { "enableGro", enable_gro },
    { "enableTimestamps", enable_timestamps },
  };
  for (size_t i = 0; i < sizeof exported / sizeof exported[0]; i++) {
    napi_value fn;
    napi_create_function(env, exported[i].name, NAPI_AUTO_LENGTH, exported[i].function, NULL, &fn);
    napi_set_named_property(env, exports, exported[i].name, fn);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
