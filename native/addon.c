// wasmguard_io: the native half of bindings/io (TUN devices, batched UDP, fd polling).
#include "common.h"

static napi_value init(napi_env env, napi_value exports) {
  if (!tun_init(env, exports) || !netif_init(env, exports) || !udp_init(env, exports) || !poller_init(env, exports))
    return NULL;
  napi_set_named_property(env, exports, "BATCH_MAX", make_u32(env, IO_BATCH_MAX));
  napi_set_named_property(env, exports, "ENDPOINT_BYTES", make_u32(env, IO_ENDPOINT_BYTES));
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
