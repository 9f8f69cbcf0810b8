// x25519: filled in by its own change.
export const X25519_READY: i32 = 0;
