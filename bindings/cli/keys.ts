// genkey, genpsk and pubkey, with wg(8)'s formats and messages.
import { fstatSync } from "node:fs";
import { loadCryptoSync } from "../crypto/index.js";
import { keyFromBase64, keyToBase64 } from "../uapi/key-encoding.js";

export const PROG_NAME = "wasmguard";

export interface KeyIo {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** File descriptor of standard output, to warn when it is a world-readable file. */
  stdoutFd?: number;
}

function warnIfWorldReadable(io: KeyIo): void {
  if (io.stdoutFd === undefined) return;
  try {
    const st = fstatSync(io.stdoutFd);
    if (st.isFile() && (st.mode & 0o007) !== 0)
      io.err("Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n");
  } catch {
    // Not a file we can stat (closed or a pipe): nothing to warn about.
  }
}

/** A new private key: 32 random bytes, clamped. */
export function genkey(io: KeyIo): number {
  warnIfWorldReadable(io);
  const key = loadCryptoSync().generatePrivateKey();
  io.out(keyToBase64(key) + "\n");
  key.fill(0);
  return 0;
}

/** A new preshared key: 32 random bytes, not clamped. */
export function genpsk(io: KeyIo): number {
  warnIfWorldReadable(io);
  const key = new Uint8Array(32);
  globalThis.crypto.getRandomValues(key);
  io.out(keyToBase64(key) + "\n");
  key.fill(0);
  return 0;
}

/** Reads a base64 private key (as `wg pubkey` does: 44 characters, then only whitespace) and prints its public key. */
export function pubkey(input: string, io: KeyIo): number {
  if (input.length < 44) {
    io.err(`${PROG_NAME}: Key is not the correct length or format\n`);
    return 1;
  }
  if (!/^[\s\0]*$/.test(input.slice(44))) {
    io.err(`${PROG_NAME}: Trailing characters found after key\n`);
    return 1;
  }
  const key = keyFromBase64(input.slice(0, 44));
  if (!key) {
    io.err(`${PROG_NAME}: Key is not the correct length or format\n`);
    return 1;
  }
  const pub = loadCryptoSync().x25519PublicKey(key);
  key.fill(0);
  io.out(keyToBase64(pub) + "\n");
  return 0;
}
