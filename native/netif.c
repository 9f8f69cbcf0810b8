// Interface properties through socket ioctls: MTU (get/set) and ifindex.
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

// Runs one SIOC* ioctl on `name` through a throwaway datagram socket.
// Returns 0 or errno; the socket itself failing is reported the same way.
static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  memcpy(ifr->ifr_name, name, strnlen(name, IFNAMSIZ - 1));  // ifr is zeroed: stays terminated
  int rc = ioctl(s, req, ifr);
  int err = rc < 0 ? errno : 0;
  close(s);
  return err;
}

static bool arg_ifname(napi_env env, napi_value v, char *name) {
  return arg_str(env, v, "interface name", name, IFNAMSIZ);
}

// ifGetMtu(name) -> number
static napi_value if_get_mtu(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[IFNAMSIZ];
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (!get_args(env, info, 1, argv, NULL) || !arg_ifname(env, argv[0], name)) return NULL;
  int err = ifreq_ioctl(name, SIOCGIFMTU, &ifr);
  if (err) return throw_errno(env, err, "ioctl", "SIOCGIFMTU %s", name);
  return make_u32(env, (uint32_t)ifr.ifr_mtu);
}

// ifSetMtu(name, mtu)
static napi_value if_set_mtu(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char name[IFNAMSIZ];
  uint32_t mtu;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (!get_args(env, info, 2, argv, NULL) || !arg_ifname(env, argv[0], name) || !arg_u32(env, argv[1], "mtu", &mtu))
    return NULL;
  if (mtu > 0x7fffffff) return throw_range(env, "mtu is too large");
  ifr.ifr_mtu = (int)mtu;
  int err = ifreq_ioctl(name, SIOCSIFMTU, &ifr);
  if (err) return throw_errno(env, err, "ioctl", "SIOCSIFMTU %s %u", name, mtu);
  return make_undefined(env);
}

// ifIndex(name) -> number
static napi_value if_index(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[IFNAMSIZ];
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (!get_args(env, info, 1, argv, NULL) || !arg_ifname(env, argv[0], name)) return NULL;
  int err = ifreq_ioctl(name, SIOCGIFINDEX, &ifr);
  if (err) return throw_errno(env, err, "ioctl", "SIOCGIFINDEX %s", name);
  return make_u32(env, (uint32_t)ifr.ifr_ifindex);
}

bool netif_init(napi_env env, napi_value exports) {
  return export_fn(env, exports, "ifGetMtu", if_get_mtu) && export_fn(env, exports, "ifSetMtu", if_set_mtu) &&
         export_fn(env, exports, "ifIndex", if_index);
}
