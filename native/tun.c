// TUN devices: open (TUNSETIFF) or adopt an inherited fd, and move packets in
// batches between the fd and caller-provided memory (e.g. a view of WASM memory).
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

// tunOpen(name: string, multiQueue: boolean) -> { fd, name }
// An empty name lets the kernel pick one (tun%d).
static napi_value tun_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char name[IFNAMSIZ];
  bool multi = false;
  if (!get_args(env, info, 2, argv, NULL) || !arg_str(env, argv[0], "name", name, sizeof name)) return NULL;
  if (!is_nullish(env, argv[1]) && !arg_bool(env, argv[1], "multiQueue", &multi)) return NULL;

  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "open", "open /dev/net/tun");

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  // No packet-information prefix: each read/write is exactly one IP packet.
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (multi ? IFF_MULTI_QUEUE : 0);
  memcpy(ifr.ifr_name, name, strlen(name));
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "ioctl", "TUNSETIFF %s", name[0] ? name : "(any)");
  }

  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "fd", make_i32(env, fd));
  ifr.ifr_name[IFNAMSIZ - 1] = 0;
  napi_set_named_property(env, result, "name", make_str(env, ifr.ifr_name));
  return result;
}

// tunAdopt(fd: number) -> { fd, name }
// For a TUN fd inherited from a launcher (WG_TUN_FD). It must carry no
// packet-information prefix; it is switched to non-blocking mode.
static napi_value tun_adopt(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv, NULL) || !arg_i32(env, argv[0], "fd", &fd)) return NULL;

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (ioctl(fd, TUNGETIFF, &ifr) < 0) return throw_errno(env, errno, "ioctl", "TUNGETIFF fd %d", fd);
  ifr.ifr_name[IFNAMSIZ - 1] = 0;
  if ((ifr.ifr_flags & (IFF_TUN | IFF_TAP)) != IFF_TUN)
    return throw_errno(env, EINVAL, "ioctl", "TUNGETIFF fd %d: %s is a TAP device, not TUN", fd, ifr.ifr_name);
  if (!(ifr.ifr_flags & IFF_NO_PI))
    return throw_errno(env, EINVAL, "ioctl", "TUNGETIFF fd %d: %s was opened without IFF_NO_PI", fd, ifr.ifr_name);
  int err = set_nonblocking(fd);
  if (err) return throw_errno(env, err, "fcntl", "O_NONBLOCK on %s (fd %d)", ifr.ifr_name, fd);
  // The daemon owns the fd from now on: do not leak it into children.
  fcntl(fd, F_SETFD, FD_CLOEXEC);

  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "fd", make_i32(env, fd));
  napi_set_named_property(env, result, "name", make_str(env, ifr.ifr_name));
  return result;
}

// tunCheck(fd) -> name. Throws EBADFD once the fd's interface was deleted.
static napi_value tun_check(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv, NULL) || !arg_i32(env, argv[0], "fd", &fd)) return NULL;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (ioctl(fd, TUNGETIFF, &ifr) < 0) return throw_errno(env, errno, "ioctl", "TUNGETIFF fd %d", fd);
  ifr.ifr_name[IFNAMSIZ - 1] = 0;
  return make_str(env, ifr.ifr_name);
}

// A write error that says the fd is useless (its interface was deleted, or the
// fd is not open). Anything else refuses one packet: EIO while the interface
// is down, EINVAL for a malformed packet, EAGAIN/ENOBUFS for lack of room.
static bool fatal_write_errno(int err) {
  return err == EBADFD || err == EBADF || err == EFAULT;
}

// tunReadBatch(fd, buf: Uint8Array, offset, slotSize, maxPackets, lengths: Uint32Array) -> count
// Reads packets until the queue is empty or maxPackets is reached; packet i lands
// at buf[offset + i*slotSize] and its length in lengths[i]. A packet longer than a
// slot is dropped. Returns 0 when nothing is queued; throws when the device is gone
// (code EBADFD, EIO, ... or EOF for a zero-length read) and nothing was read.
static napi_value tun_read_batch(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd;
  uint32_t offset, slot, max;
  uint8_t *buf;
  size_t buflen, nlen;
  uint32_t *lengths;
  if (!get_args(env, info, 6, argv, NULL) || !arg_i32(env, argv[0], "fd", &fd) ||
      !arg_u8(env, argv[1], "buf", &buf, &buflen) || !arg_u32(env, argv[2], "offset", &offset) ||
      !arg_u32(env, argv[3], "slotSize", &slot) || !arg_u32(env, argv[4], "maxPackets", &max) ||
      !arg_u32s(env, argv[5], "lengths", &lengths, &nlen))
    return NULL;
  if (slot == 0) return throw_range(env, "slotSize must be positive");
  if (max > nlen) return throw_range(env, "lengths is shorter than maxPackets");
  if (max > 0 && (uint64_t)offset + (uint64_t)max * slot > buflen)
    return throw_range(env, "buf is too short for maxPackets slots of slotSize at offset");

  uint32_t n = 0;
  while (n < max) {
    uint8_t *dst = buf + offset + (size_t)n * slot;
    ssize_t r = read(fd, dst, slot);
    if (r < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN) break;
      if (n > 0) break;  // hand over what we have; the error repeats on the next call
      return throw_errno(env, err, "read", "read tun fd %d", fd);
    }
    if (r == 0) {
      if (n > 0) break;
      napi_throw_error(env, "EOF", "read tun: EOF (the device returned end of file)");
      return NULL;
    }
    // tun reports a packet's full length even when it cut it to fit the slot.
    if ((size_t)r > slot) continue;
    lengths[n++] = (uint32_t)r;
  }
  return make_u32(env, n);
}

// tunWrite(fd, buf, offset, length) -> boolean
// Writes one packet. False when the kernel refused it (no room, interface
// down, malformed); throws when the device is gone.
static napi_value tun_write(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd;
  uint32_t off, len;
  uint8_t *buf;
  size_t buflen;
  if (!get_args(env, info, 4, argv, NULL) || !arg_i32(env, argv[0], "fd", &fd) ||
      !arg_u8(env, argv[1], "buf", &buf, &buflen) || !arg_u32(env, argv[2], "offset", &off) ||
      !arg_u32(env, argv[3], "length", &len))
    return NULL;
  if ((uint64_t)off + len > buflen) return throw_range(env, "offset + length is past the end of buf");
  for (;;) {
    ssize_t w = write(fd, buf + off, len);
    if (w >= 0) break;
    int err = errno;
    if (err == EINTR) continue;
    if (!fatal_write_errno(err)) {
      napi_value f;
      napi_get_boolean(env, false, &f);
      return f;
    }
    return throw_errno(env, err, "write", "write tun fd %d (%u bytes)", fd, len);
  }
  napi_value t;
  napi_get_boolean(env, true, &t);
  return t;
}

// tunWriteBatch(fd, buf, offsets: Uint32Array, lengths: Uint32Array, count) -> written
// One write() per packet (TUN takes one packet per call). Packets the kernel
// refuses one by one (no room, interface down, malformed) are skipped and not
// counted; a dead device throws.
static napi_value tun_write_batch(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t fd;
  uint32_t count, *offsets, *lengths;
  uint8_t *buf;
  size_t buflen, noff, nlen;
  if (!get_args(env, info, 5, argv, NULL) || !arg_i32(env, argv[0], "fd", &fd) ||
      !arg_u8(env, argv[1], "buf", &buf, &buflen) || !arg_u32s(env, argv[2], "offsets", &offsets, &noff) ||
      !arg_u32s(env, argv[3], "lengths", &lengths, &nlen) || !arg_u32(env, argv[4], "count", &count))
    return NULL;
  if (count > noff || count > nlen) return throw_range(env, "count exceeds offsets or lengths");
  for (uint32_t i = 0; i < count; i++)
    if ((uint64_t)offsets[i] + lengths[i] > buflen) return throw_range(env, "a packet lies past the end of buf");

  uint32_t written = 0;
  for (uint32_t i = 0; i < count; i++) {
    ssize_t w;
    do w = write(fd, buf + offsets[i], lengths[i]);
    while (w < 0 && errno == EINTR);
    if (w >= 0) {
      written++;
      continue;
    }
    int err = errno;
    if (fatal_write_errno(err)) return throw_errno(env, err, "write", "write tun fd %d", fd);
  }
  return make_u32(env, written);
}

// fdClose(fd): close(2), for TUN fds and sockets alike.
static napi_value fd_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv, NULL) || !arg_i32(env, argv[0], "fd", &fd)) return NULL;
  // Linux releases the fd even when close reports EINTR: never retry.
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close", "close fd %d", fd);
  return make_undefined(env);
}

bool tun_init(napi_env env, napi_value exports) {
  return export_fn(env, exports, "tunOpen", tun_open) && export_fn(env, exports, "tunAdopt", tun_adopt) &&
         export_fn(env, exports, "tunCheck", tun_check) &&
         export_fn(env, exports, "tunReadBatch", tun_read_batch) && export_fn(env, exports, "tunWrite", tun_write) &&
         export_fn(env, exports, "tunWriteBatch", tun_write_batch) && export_fn(env, exports, "fdClose", fd_close);
}
