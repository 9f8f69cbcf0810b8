// poly1305: filled in by its own change.
export const POLY1305_READY: i32 = 0;
