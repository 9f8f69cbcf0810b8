// UDP sockets for the WireGuard transport: one per address family, bound to a
// port, moved in batches with recvmmsg/sendmmsg straight from caller memory.
//
// An endpoint record (IO_ENDPOINT_BYTES = 24 bytes) describes a peer address:
//   [0]      family: 4 or 6 (0: none)
//   [1]      zero
//   [2..3]   port, big-endian
//   [4..19]  address: IPv4 in [4..7] (rest zero), IPv6 in all 16 bytes
//   [20..23] IPv6 scope id (interface index), little-endian; zero otherwise
#define _GNU_SOURCE
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// As wireguard-go: large buffers absorb bursts between two event-loop turns.
#define SOCKET_BUFFER_BYTES (7 << 20)

union sockaddr_any {
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
};

static void set_buffer(int fd, int force_opt, int opt) {
  int size = SOCKET_BUFFER_BYTES;
  // The FORCE variants ignore rmem_max/wmem_max but need CAP_NET_ADMIN.
  if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof size) < 0)
    setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size);
}

// udpOpen(family: 4 | 6, port, fwmark) -> { fd, port }
// IPv4 binds 0.0.0.0:port, IPv6 binds [::]:port with IPV6_V6ONLY; port 0 lets
// the kernel choose. fwmark 0 leaves SO_MARK unset.
static napi_value udp_open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint32_t family, port, mark;
  if (!get_args(env, info, 3, argv, NULL) || !arg_u32(env, argv[0], "family", &family) ||
      !arg_u32(env, argv[1], "port", &port) || !arg_u32(env, argv[2], "fwmark", &mark))
    return NULL;
  if (family != 4 && family != 6) return throw_range(env, "family must be 4 or 6");
  if (port > 65535) return throw_range(env, "port must be in [0, 65535]");
  const char *any = family == 4 ? "0.0.0.0" : "[::]";

  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket", "socket udp%u", family);

  int err = 0;
  const char *op = NULL;
  if (family == 6) {
    int one = 1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) err = errno, op = "IPV6_V6ONLY";
  }
  if (!err && mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) err = errno, op = "SO_MARK";
  if (!err) {
    set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
    set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
    union sockaddr_any a;
    memset(&a, 0, sizeof a);
    socklen_t alen;
    if (family == 4) {
      a.v4.sin_family = AF_INET;
      a.v4.sin_port = htons((uint16_t)port);
      a.v4.sin_addr.s_addr = htonl(INADDR_ANY);
      alen = sizeof a.v4;
    } else {
      a.v6.sin6_family = AF_INET6;
      a.v6.sin6_port = htons((uint16_t)port);
      a.v6.sin6_addr = in6addr_any;
      alen = sizeof a.v6;
    }
    if (bind(fd, &a.sa, alen) < 0) err = errno, op = "bind";
  }
  if (err) {
    close(fd);
    if (op[0] == 'b') return throw_errno(env, err, "bind", "bind %s:%u", any, port);
    return throw_errno(env, err, "setsockopt", "%s on udp%u socket", op, family);
  }

  union sockaddr_any bound;
  socklen_t blen = sizeof bound;
  if (getsockname(fd, &bound.sa, &blen) < 0) {
    err = errno;
    close(fd);
    return throw_errno(env, err, "getsockname", "getsockname udp%u", family);
  }
  uint16_t got = ntohs(family == 4 ? bound.v4.sin_port : bound.v6.sin6_port);

  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "fd", make_i32(env, fd));
  napi_set_named_property(env, result, "port", make_u32(env, got));
  return result;
}

// udpSetMark(fd, mark): SO_MARK, so policy routing can keep tunnel traffic out of the tunnel.
static napi_value udp_set_mark(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  uint32_t mark;
  if (!get_args(env, info, 2, argv, NULL) || !arg_i32(env, argv[0], "fd", &fd) ||
      !arg_u32(env, argv[1], "mark", &mark))
    return NULL;
  if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0)
    return throw_errno(env, errno, "setsockopt", "SO_MARK %u on fd %d", mark, fd);
  return make_undefined(env);
}

// udpGetMark(fd) -> number
static napi_value udp_get_mark(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  uint32_t mark = 0;
  socklen_t len = sizeof mark;
  if (!get_args(env, info, 1, argv, NULL) || !arg_i32(env, argv[0], "fd", &fd)) return NULL;
  if (getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len) < 0)
    return throw_errno(env, errno, "getsockopt", "SO_MARK on fd %d", fd);
  return make_u32(env, mark);
}

static const uint8_t V4_MAPPED_PREFIX[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void endpoint_from_sockaddr(uint8_t *rec, const union sockaddr_any *a) {
  memset(rec, 0, IO_ENDPOINT_BYTES);
  if (a->sa.sa_family == AF_INET) {
    rec[0] = 4;
    memcpy(rec + 2, &a->v4.sin_port, 2);
    memcpy(rec + 4, &a->v4.sin_addr, 4);
  } else if (a->sa.sa_family == AF_INET6) {
    const uint8_t *b = a->v6.sin6_addr.s6_addr;
    memcpy(rec + 2, &a->v6.sin6_port, 2);
    if (memcmp(b, V4_MAPPED_PREFIX, 12) == 0) {
      rec[0] = 4;  // ::ffff:a.b.c.d is the IPv4 peer a.b.c.d
      memcpy(rec + 4, b + 12, 4);
    } else {
      rec[0] = 6;
      memcpy(rec + 4, b, 16);
      uint32_t scope = a->v6.sin6_scope_id;
      rec[20] = scope & 0xff, rec[21] = (scope >> 8) & 0xff, rec[22] = (scope >> 16) & 0xff, rec[23] = scope >> 24;
    }
  }
}

// Returns the socklen of the address, or 0 when the record's family is unknown.
static socklen_t sockaddr_from_endpoint(union sockaddr_any *a, const uint8_t *rec) {
  memset(a, 0, sizeof *a);
  if (rec[0] == 4) {
    a->v4.sin_family = AF_INET;
    memcpy(&a->v4.sin_port, rec + 2, 2);
    memcpy(&a->v4.sin_addr, rec + 4, 4);
    return sizeof a->v4;
  }
  if (rec[0] == 6) {
    a->v6.sin6_family = AF_INET6;
    memcpy(&a->v6.sin6_port, rec + 2, 2);
    memcpy(&a->v6.sin6_addr, rec + 4, 16);
    a->v6.sin6_scope_id = (uint32_t)rec[20] | (uint32_t)rec[21] << 8 | (uint32_t)rec[22] << 16 | (uint32_t)rec[23] << 24;
    return sizeof a->v6;
  }
  return 0;
}

// udpRecvBatch(fd, buf, offset, slotSize, first, maxPackets, lengths, endpoints) -> count
// One recvmmsg: datagram k lands in slot first+k (buf[offset + (first+k)*slotSize]),
// its length in lengths[first+k] and its source in endpoint record first+k.
// Datagrams longer than a slot are dropped. Returns 0 when none is queued.
static napi_value udp_recv_batch(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int32_t fd;
  uint32_t offset, slot, first, max, *lengths;
  uint8_t *buf, *eps;
  size_t buflen, nlen, eplen;
  if (!get_args(env, info, 8, argv, NULL) || !arg_i32(env, argv[0], "fd", &fd) ||
      !arg_u8(env, argv[1], "buf", &buf, &buflen) || !arg_u32(env, argv[2], "offset", &offset) ||
      !arg_u32(env, argv[3], "slotSize", &slot) || !arg_u32(env, argv[4], "first", &first) ||
      !arg_u32(env, argv[5], "maxPackets", &max) || !arg_u32s(env, argv[6], "lengths", &lengths, &nlen) ||
      !arg_u8(env, argv[7], "endpoints", &eps, &eplen))
    return NULL;
  if (slot == 0) return throw_range(env, "slotSize must be positive");
  uint64_t end = (uint64_t)first + max;
  if (end > nlen) return throw_range(env, "lengths is shorter than first + maxPackets");
  if (end * IO_ENDPOINT_BYTES > eplen) return throw_range(env, "endpoints is shorter than first + maxPackets records");
  if (max > 0 && (uint64_t)offset + end * slot > buflen)
    return throw_range(env, "buf is too short for first + maxPackets slots of slotSize at offset");
  if (max > IO_BATCH_MAX) max = IO_BATCH_MAX;
  if (max == 0) return make_u32(env, 0);

  struct mmsghdr msgs[IO_BATCH_MAX];
  struct iovec iov[IO_BATCH_MAX];
  union sockaddr_any from[IO_BATCH_MAX];
  for (uint32_t i = 0; i < max; i++) {
    iov[i].iov_base = buf + offset + (size_t)(first + i) * slot;
    iov[i].iov_len = slot;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  int got;
  do got = recvmmsg(fd, msgs, max, MSG_DONTWAIT, NULL);
  while (got < 0 && errno == EINTR);
  if (got < 0) {
    if (errno == EAGAIN) return make_u32(env, 0);
    return throw_errno(env, errno, "recvmmsg", "recvmmsg fd %d", fd);
  }

  uint32_t kept = 0;
  for (int i = 0; i < got; i++) {
    if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
    uint32_t k = first + kept;
    if (kept != (uint32_t)i) memmove(buf + offset + (size_t)k * slot, iov[i].iov_base, msgs[i].msg_len);
    lengths[k] = msgs[i].msg_len;
    endpoint_from_sockaddr(eps + (size_t)k * IO_ENDPOINT_BYTES, &from[i]);
    kept++;
  }
  return make_u32(env, kept);
}

// Per-packet refusals: the packet is skipped and counted, the batch goes on.
static bool fatal_send_errno(int err) {
  return err == EBADF || err == ENOTSOCK || err == EFAULT;
}

// udpSendBatch(fd4, fd6, buf, offsets, lengths, endpoints, count, errors: Int32Array | null) -> processed
// Sends packet i (buf[offsets[i]], lengths[i] bytes) to endpoint record i, IPv4
// through fd4 and IPv6 through fd6 (-1: none), grouping runs of one family into
// sendmmsg calls. Returns how many packets were handled (sent, or refused one by
// one); fewer than count only when the socket buffer is full (EAGAIN). Refused
// packets are counted in errors[0], the last errno in errors[1].
static napi_value udp_send_batch(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int32_t fd4, fd6;
  uint32_t count, *offsets, *lengths, *errs = NULL;
  uint8_t *buf, *eps;
  size_t buflen, noff, nlen, eplen, nerr = 0;
  if (!get_args(env, info, 8, argv, NULL) || !arg_i32(env, argv[0], "fd4", &fd4) ||
      !arg_i32(env, argv[1], "fd6", &fd6) || !arg_u8(env, argv[2], "buf", &buf, &buflen) ||
      !arg_u32s(env, argv[3], "offsets", &offsets, &noff) || !arg_u32s(env, argv[4], "lengths", &lengths, &nlen) ||
      !arg_u8(env, argv[5], "endpoints", &eps, &eplen) || !arg_u32(env, argv[6], "count", &count))
    return NULL;
  if (!is_nullish(env, argv[7]) && !arg_u32s(env, argv[7], "errors", &errs, &nerr)) return NULL;
  if (errs && nerr < 2) return throw_range(env, "errors must hold 2 elements");
  if (count > noff || count > nlen) return throw_range(env, "count exceeds offsets or lengths");
  if ((uint64_t)count * IO_ENDPOINT_BYTES > eplen) return throw_range(env, "endpoints is shorter than count records");
  for (uint32_t i = 0; i < count; i++)
    if ((uint64_t)offsets[i] + lengths[i] > buflen) return throw_range(env, "a packet lies past the end of buf");

  struct mmsghdr msgs[IO_BATCH_MAX];
  struct iovec iov[IO_BATCH_MAX];
  union sockaddr_any to[IO_BATCH_MAX];
  uint32_t done = 0;
  while (done < count) {
    // The run of packets from `done` that share a family, capped at one batch.
    uint8_t fam = eps[(size_t)done * IO_ENDPOINT_BYTES];
    int fd = fam == 4 ? fd4 : fam == 6 ? fd6 : -1;
    uint32_t n = 0;
    while (done + n < count && n < IO_BATCH_MAX && eps[(size_t)(done + n) * IO_ENDPOINT_BYTES] == fam) {
      uint32_t i = done + n;
      iov[n].iov_base = buf + offsets[i];
      iov[n].iov_len = lengths[i];
      memset(&msgs[n], 0, sizeof msgs[n]);
      msgs[n].msg_hdr.msg_iov = &iov[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      msgs[n].msg_hdr.msg_name = &to[n];
      msgs[n].msg_hdr.msg_namelen = sockaddr_from_endpoint(&to[n], eps + (size_t)i * IO_ENDPOINT_BYTES);
      n++;
    }
    if (fd < 0) {  // no socket for this family (or no family at all)
      if (errs) errs[0] += n, errs[1] = EAFNOSUPPORT;
      done += n;
      continue;
    }
    uint32_t sent = 0;
    while (sent < n) {
      int r = sendmmsg(fd, msgs + sent, n - sent, MSG_DONTWAIT);
      if (r > 0) {
        sent += (uint32_t)r;
        continue;
      }
      if (r == 0) return make_u32(env, done + sent);  // not expected from Linux; never spin
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN) return make_u32(env, done + sent);
      if (fatal_send_errno(err)) return throw_errno(env, err, "sendmmsg", "sendmmsg fd %d", fd);
      // The first remaining packet was refused (unreachable, too big, filtered...): skip it.
      if (errs) errs[0]++, errs[1] = (uint32_t)err;
      sent++;
    }
    done += n;
  }
  return make_u32(env, done);
}

bool udp_init(napi_env env, napi_value exports) {
  return export_fn(env, exports, "udpOpen", udp_open) && export_fn(env, exports, "udpSetMark", udp_set_mark) &&
         export_fn(env, exports, "udpGetMark", udp_get_mark) &&
         export_fn(env, exports, "udpRecvBatch", udp_recv_batch) &&
         export_fn(env, exports, "udpSendBatch", udp_send_batch);
}
