// The WireGuard protocol core without I/O. See device.ts for the entry point.
export { NoiseDevice, DROP_REASONS } from "./device.js";
export type { DropReason, NoiseAction, NoiseDeviceOptions } from "./device.js";
export { NoisePeer } from "./peer.js";
export { decapsulate, encapsulate, paddedLength, type Keypair, type OpenData, type SealBatch } from "./session.js";
export type { DataMessage } from "./messages.js";
export type { PeerOptions } from "./peer.js";
export type { SourceAddress } from "./cookie.js";
export { parseMessage, classify } from "./messages.js";
export type { Message, MalformedReason } from "./messages.js";
export * as constants from "./constants.js";
