// The module's export surface: every primitive lives in its own file and is
// re-exported here. Names are prefixed by primitive so they never collide.
export * from "./chacha20";
export * from "./poly1305";
export * from "./aead";
export * from "./blake2s";
export * from "./x25519";
export * from "./allowedips";
