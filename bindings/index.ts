// wasmguard: a WireGuard device to embed in a Node program. The pieces the
// daemon is built from, for programs that want to run their own interface,
// drive it over UAPI, or read and write config files.
export { Device, type DeviceDrops, type DeviceOptions } from "./device/device.js";
export { AllowedIps } from "./device/allowedips.js";
export { createLogger, parseLogLevel, type Logger, type LogLevel } from "./device/logger.js";
export { NoiseDevice, NoisePeer, DROP_REASONS, type DropReason, type NoiseAction, type NoiseDeviceOptions } from "./noise/index.js";
export { NativeTun } from "./io/tun.js";
export { NativeUdpBind } from "./io/udp.js";
export { Endpoint } from "./io/endpoint.js";
export { FakeTun, FakeNetwork, FakeUdpBind, createFakeBindPair } from "./io/fake.js";
export type { TunDevice, UdpBind } from "./io/types.js";
export { UapiServer, socketPath, DEFAULT_SOCKET_DIR } from "./uapi/server.js";
export { uapiGet, uapiSet, UapiClientError } from "./uapi/client.js";
export { UapiConnection, UapiError, UapiErrno, formatGet, type UapiTarget, type UapiDeviceState } from "./uapi/protocol.js";
export { parseConfig, serializeConfig, stripConfig, ConfigError } from "./uapi/config.js";
export { keyFromBase64, keyToBase64, keyFromHex, keyToHex } from "./uapi/key-encoding.js";
export { parseAddress, formatAddress, parsePrefix, formatPrefix, parseEndpoint, formatEndpoint } from "./net/ip.js";
export { loadCrypto, loadCryptoSync, type WasmCrypto } from "./crypto/index.js";
