// Argument checking and errno-to-Error conversion shared by the addon's parts.
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

static const char *errno_name(int err, char *buf, size_t cap) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *n = strerrorname_np(err);
  if (n) return n;
#endif
  // libuv knows the common ones (it has no EBADFD, which glibc above covers).
  const char *u = uv_err_name_r(-err, buf, cap);
  if (u && strncmp(u, "Unknown", 7) != 0) return u;
  snprintf(buf, cap, "E%d", err);
  return buf;
}

napi_value throw_errno(napi_env env, int err, const char *syscall, const char *what_fmt, ...) {
  char what[256], namebuf[32], desc[128], msg[512];
  va_list ap;
  va_start(ap, what_fmt);
  vsnprintf(what, sizeof what, what_fmt, ap);
  va_end(ap);
  const char *name = errno_name(err, namebuf, sizeof namebuf);
  // GNU strerror_r may return a static string instead of filling desc.
  const char *d = strerror_r(err, desc, sizeof desc);
  snprintf(msg, sizeof msg, "%s: %s (%s)", what, name, d);

  napi_value code, message, error, errno_v, syscall_v;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message) != napi_ok ||
      napi_create_error(env, code, message, &error) != napi_ok) {
    napi_throw_error(env, name, msg);
    return NULL;
  }
  napi_create_int32(env, -err, &errno_v);
  napi_set_named_property(env, error, "errno", errno_v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_v);
  napi_set_named_property(env, error, "syscall", syscall_v);
  napi_throw(env, error);
  return NULL;
}

napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
  return NULL;
}

bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, napi_value *self) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, self, NULL) != napi_ok) {
    throw_type(env, "cannot read arguments");
    return false;
  }
  napi_value undef;
  napi_get_undefined(env, &undef);
  for (size_t i = argc; i < want; i++) argv[i] = undef;
  return true;
}

static bool type_error(napi_env env, const char *what, const char *expected) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s must be %s", what, expected);
  throw_type(env, msg);
  return false;
}

bool arg_u32(napi_env env, napi_value v, const char *what, uint32_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return type_error(env, what, "a number");
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s must be an integer in [0, 2^32)", what);
    throw_range(env, msg);
    return false;
  }
  *out = (uint32_t)d;
  return true;
}

bool arg_i32(napi_env env, napi_value v, const char *what, int32_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return type_error(env, what, "a number");
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != (double)(int32_t)d) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s must be a 32-bit integer", what);
    throw_range(env, msg);
    return false;
  }
  *out = (int32_t)d;
  return true;
}

bool arg_bool(napi_env env, napi_value v, const char *what, bool *out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) return type_error(env, what, "a boolean");
  return true;
}

bool arg_u8(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *p = NULL;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_uint8_array)
    return type_error(env, what, "a Uint8Array");
  *data = p;
  return true;
}

bool arg_u32s(napi_env env, napi_value v, const char *what, uint32_t **data, size_t *count) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *p = NULL;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, count, &p, NULL, NULL) != napi_ok ||
      (type != napi_uint32_array && type != napi_int32_array))
    return type_error(env, what, "a Uint32Array");
  *data = p;
  return true;
}

bool arg_str(napi_env env, napi_value v, const char *what, char *buf, size_t cap) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return type_error(env, what, "a string");
  if (len + 1 > cap) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s is longer than %zu bytes", what, cap - 1);
    throw_range(env, msg);
    return false;
  }
  napi_get_value_string_utf8(env, v, buf, cap, &len);
  return true;
}

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return true;
  return t == napi_undefined || t == napi_null;
}

napi_value make_u32(napi_env env, uint32_t v) {
  napi_value r;
  napi_create_uint32(env, v, &r);
  return r;
}

napi_value make_i32(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

napi_value make_str(napi_env env, const char *s) {
  napi_value r;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value make_undefined(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

int set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return errno;
  if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return errno;
  return 0;
}

bool export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok) return false;
  return napi_set_named_property(env, exports, name, fn) == napi_ok;
}
