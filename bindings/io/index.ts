// bindings/io: the TUN device and UDP sockets behind small interfaces, with
// in-memory fakes. The real ones load the native addon on first use.
export type { CloseListener, ReadableHandler, TunDevice, UdpBind, UdpSendStats } from "./types.js";
export { ENDPOINT_BYTES, Endpoint, formatIPv6, parseIPv4, parseIPv6, type AddressFamily } from "./endpoint.js";
export { errorCode, ioError, type IoError } from "./errors.js";
export { NativeTun, type OpenTunOptions } from "./tun.js";
export { NativeUdpBind, type NativeUdpOptions } from "./udp.js";
export { addonPath, loadNative, nativeAvailable, packageRoot } from "./native.js";
export {
  FakeNetwork,
  FakeTun,
  FakeUdpBind,
  createFakeBindPair,
  type FakeBindOptions,
  type FakeTunOptions,
  type Scheduler,
} from "./fake.js";
