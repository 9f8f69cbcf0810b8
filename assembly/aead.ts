// aead: filled in by its own change.
export const AEAD_READY: i32 = 0;
