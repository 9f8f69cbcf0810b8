// Poller: a libuv poll handle on a raw fd, so JS learns that a TUN fd or UDP
// socket is readable (or writable) and then pulls a whole batch synchronously.
//
//   new Poller(fd, (error: string | null, events: number) => void)
//   .start(events)  events: 1 readable, 2 writable, 8 priority data (level-triggered)
//   .stop()  .close()  .ref()  .unref()
//
// `error` is the libuv error name (e.g. "EBADF" when the kernel reports
// EPOLLERR, as it does for a TUN fd whose interface was deleted); libuv has
// stopped the handle by then. Watching POLL_PRIORITIZED alone on an fd that
// never has priority data watches for errors alone: libuv then reports an
// error as events = POLL_PRIORITIZED (not as `error`), and the owner checks
// the fd. That is how a paused reader still learns its TUN went away.
#include "common.h"

#include <stdlib.h>
#include <uv.h>

typedef struct poller {
  uv_poll_t handle;
  napi_env env;
  napi_ref self;      // keeps the JS object alive while the handle is open
  napi_ref callback;
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
  int fd;
  bool closing;
  bool teardown;      // the environment is going away: touch no JS values
} poller_t;

static void on_closed(uv_handle_t *h) {
  poller_t *p = h->data;
  if (!p->teardown && p->async) napi_async_destroy(p->env, p->async);
  napi_remove_async_cleanup_hook(p->cleanup);
  free(p);
}

static void on_failed_init_closed(uv_handle_t *h) {
  free(h->data);
}

static void begin_close(poller_t *p) {
  if (p->closing) return;
  p->closing = true;
  uv_poll_stop(&p->handle);
  if (!p->teardown) {
    napi_delete_reference(p->env, p->callback);
    napi_delete_reference(p->env, p->self);
    p->callback = p->self = NULL;
  }
  uv_close((uv_handle_t *)&p->handle, on_closed);
}

// Worker threads and process exit: close the handle before the loop is torn down.
static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  poller_t *p = arg;
  p->teardown = true;
  begin_close(p);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  poller_t *p = h->data;
  if (p->closing) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value self, cb, argv[2], ret;
  napi_get_reference_value(env, p->self, &self);
  napi_get_reference_value(env, p->callback, &cb);
  if (status < 0) {
    napi_create_string_utf8(env, uv_err_name(status), NAPI_AUTO_LENGTH, &argv[0]);
  } else {
    napi_get_null(env, &argv[0]);
  }
  napi_create_int32(env, events, &argv[1]);
  // make_callback (not call_function) so microtasks and async hooks run as for any I/O callback.
  napi_status st = napi_make_callback(env, p->async, self, cb, 2, argv, &ret);
  if (st == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

static poller_t *unwrap(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  napi_value self;
  if (!get_args(env, info, want, argv, &self)) return NULL;
  poller_t *p = NULL;
  if (napi_unwrap(env, self, (void **)&p) != napi_ok || !p) {
    napi_throw_error(env, "ERR_POLLER_CLOSED", "poller is closed");
    return NULL;
  }
  return p;
}

static napi_value poller_new(napi_env env, napi_callback_info info) {
  napi_value argv[2], self;
  int32_t fd;
  if (!get_args(env, info, 2, argv, &self) || !arg_i32(env, argv[0], "fd", &fd)) return NULL;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) return throw_type(env, "callback must be a function");

  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, NULL, "no libuv loop");
    return NULL;
  }
  poller_t *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, 12 /* ENOMEM */, "calloc", "Poller fd %d", fd);
  int rc = uv_poll_init(loop, &p->handle, fd);
  if (rc < 0) {
    free(p);
    return throw_errno(env, -rc, "uv_poll_init", "poll fd %d", fd);
  }
  p->handle.data = p;
  p->env = env;
  p->fd = fd;
  napi_value name;
  napi_create_string_utf8(env, "wasmguard:Poller", NAPI_AUTO_LENGTH, &name);
  bool wrapped = false;
  if (napi_async_init(env, self, name, &p->async) != napi_ok ||
      !(wrapped = napi_wrap(env, self, p, NULL, NULL, NULL) == napi_ok) ||
      napi_create_reference(env, self, 1, &p->self) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &p->callback) != napi_ok ||
      napi_add_async_cleanup_hook(env, on_env_cleanup, p, &p->cleanup) != napi_ok) {
    // Only reachable when the engine is out of memory. Leaves no pointer to p
    // behind in JS; the few references made are reclaimed with the env.
    if (wrapped) napi_remove_wrap(env, self, NULL);
    uv_close((uv_handle_t *)&p->handle, on_failed_init_closed);
    napi_throw_error(env, NULL, "cannot create Poller");
    return NULL;
  }
  return self;
}

static napi_value poller_start(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uint32_t events;
  poller_t *p = unwrap(env, info, 1, argv);
  if (!p || !arg_u32(env, argv[0], "events", &events)) return NULL;
  if (events == 0 || (events & ~(uint32_t)(UV_READABLE | UV_WRITABLE | UV_PRIORITIZED)))
    return throw_range(env, "events must combine POLL_READABLE, POLL_WRITABLE and POLL_PRIORITIZED");
  int rc = uv_poll_start(&p->handle, (int)events, on_poll);
  if (rc < 0) return throw_errno(env, -rc, "uv_poll_start", "poll fd %d", p->fd);
  return make_undefined(env);
}

static napi_value poller_stop(napi_env env, napi_callback_info info) {
  poller_t *p = unwrap(env, info, 0, NULL);
  if (!p) return NULL;
  uv_poll_stop(&p->handle);
  return make_undefined(env);
}

// Idempotent. The fd itself stays open: its owner closes it.
static napi_value poller_close(napi_env env, napi_callback_info info) {
  napi_value self;
  if (!get_args(env, info, 0, NULL, &self)) return NULL;
  poller_t *p = NULL;
  if (napi_remove_wrap(env, self, (void **)&p) != napi_ok || !p) return make_undefined(env);
  begin_close(p);
  return make_undefined(env);
}

// unref(): this handle alone does not keep the process alive.
static napi_value poller_unref(napi_env env, napi_callback_info info) {
  poller_t *p = unwrap(env, info, 0, NULL);
  if (!p) return NULL;
  uv_unref((uv_handle_t *)&p->handle);
  return make_undefined(env);
}

static napi_value poller_ref(napi_env env, napi_callback_info info) {
  poller_t *p = unwrap(env, info, 0, NULL);
  if (!p) return NULL;
  uv_ref((uv_handle_t *)&p->handle);
  return make_undefined(env);
}

bool poller_init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"start", NULL, poller_start, NULL, NULL, NULL, napi_default, NULL},
      {"stop", NULL, poller_stop, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, poller_close, NULL, NULL, NULL, napi_default, NULL},
      {"ref", NULL, poller_ref, NULL, NULL, NULL, napi_default, NULL},
      {"unref", NULL, poller_unref, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value cls;
  if (napi_define_class(env, "Poller", NAPI_AUTO_LENGTH, poller_new, NULL, sizeof methods / sizeof methods[0], methods,
                        &cls) != napi_ok)
    return false;
  return napi_set_named_property(env, exports, "Poller", cls) == napi_ok &&
         napi_set_named_property(env, exports, "POLL_READABLE", make_u32(env, UV_READABLE)) == napi_ok &&
         napi_set_named_property(env, exports, "POLL_WRITABLE", make_u32(env, UV_WRITABLE)) == napi_ok &&
         napi_set_named_property(env, exports, "POLL_PRIORITIZED", make_u32(env, UV_PRIORITIZED)) == napi_ok;
}
