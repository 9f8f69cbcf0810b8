// allowedips: filled in by its own change.
export const ALLOWEDIPS_READY: i32 = 0;
