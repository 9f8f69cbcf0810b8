// chacha20: filled in by its own change.
export const CHACHA20_READY: i32 = 0;
