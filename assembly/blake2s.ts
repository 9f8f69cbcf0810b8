// blake2s: filled in by its own change.
export const BLAKE2S_READY: i32 = 0;
