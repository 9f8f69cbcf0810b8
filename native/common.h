// Shared helpers of the wasmguard_io addon: argument checking and errno errors.
#ifndef WASMGUARD_IO_COMMON_H
#define WASMGUARD_IO_COMMON_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Most packets one batch call moves; the per-call message headers live on the stack.
#define IO_BATCH_MAX 256

// Bytes per endpoint record in caller memory (see udp.c for the layout).
#define IO_ENDPOINT_BYTES 24

// Throws an Error whose .code is the errno name, .errno is -err (as Node's own
// system errors), .syscall is `syscall`, and whose message is
// "<what>: <ENAME> (<description>)". Returns NULL so callers can `return throw_errno(...)`.
napi_value throw_errno(napi_env env, int err, const char *syscall, const char *what_fmt, ...)
    __attribute__((format(printf, 4, 5)));

// Throws a TypeError or RangeError with a plain message; returns NULL.
napi_value throw_type(napi_env env, const char *msg);
napi_value throw_range(napi_env env, const char *msg);

// Reads exactly `want` arguments (extra ones are ignored, missing ones are undefined).
bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, napi_value *self);

// Argument readers: each throws a TypeError naming `what` and returns false on mismatch.
bool arg_u32(napi_env env, napi_value v, const char *what, uint32_t *out);
bool arg_i32(napi_env env, napi_value v, const char *what, int32_t *out);
bool arg_bool(napi_env env, napi_value v, const char *what, bool *out);
// A Uint8Array (or Buffer): pointer to its first byte and its length.
bool arg_u8(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len);
// A Uint32Array or Int32Array: pointer and element count.
bool arg_u32s(napi_env env, napi_value v, const char *what, uint32_t **data, size_t *count);
// A string that fits in `cap` bytes including its terminator.
bool arg_str(napi_env env, napi_value v, const char *what, char *buf, size_t cap);
// True when v is undefined or null.
bool is_nullish(napi_env env, napi_value v);

napi_value make_u32(napi_env env, uint32_t v);
napi_value make_i32(napi_env env, int32_t v);
napi_value make_str(napi_env env, const char *s);
napi_value make_undefined(napi_env env);

// Sets O_NONBLOCK on fd; returns 0 or errno.
int set_nonblocking(int fd);

// Module pieces register their functions on `exports`.
bool tun_init(napi_env env, napi_value exports);
bool netif_init(napi_env env, napi_value exports);
bool udp_init(napi_env env, napi_value exports);
bool poller_init(napi_env env, napi_value exports);
bool export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb);

#endif
