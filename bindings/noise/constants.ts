// Every number the protocol core uses, in one place. Times are milliseconds
// because the core's clock (`now`) is a monotonic millisecond count.
//
// Sources: the WireGuard whitepaper (§5.4 messages, §6 timers); the kernel's
// drivers/net/wireguard/messages.h (enums noise_lengths, cookie_values,
// counter_values, limits, message_type); wireguard-go device/constants.go.

// ---------------------------------------------------------------------------
// Specification constants: changing any of these breaks interoperability.
// ---------------------------------------------------------------------------

/** Noise protocol name, hashed into the initial chaining key. */
export const CONSTRUCTION = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
/** Hashed with the construction into the initial handshake hash. */
export const IDENTIFIER = "WireGuard v1 zx2c4 Jason@zx2c4.com";
/** Label hashed with a public key to make the MAC1 key. */
export const LABEL_MAC1 = "mac1----";
/** Label hashed with a public key to make the cookie-reply encryption key. */
export const LABEL_COOKIE = "cookie--";

export const KEY_LENGTH = 32; // X25519 keys, symmetric keys, preshared keys
export const HASH_LENGTH = 32; // BLAKE2s-256 digests and chaining keys
export const AEAD_TAG_LENGTH = 16; // Poly1305 tag
export const TIMESTAMP_LENGTH = 12; // TAI64N: 8-byte seconds + 4-byte nanoseconds
export const COOKIE_LENGTH = 16; // MAC1, MAC2 and the cookie itself
export const COOKIE_NONCE_LENGTH = 24; // XChaCha20-Poly1305 nonce

/** Length of `plain` bytes after AEAD encryption. */
export const sealedLength = (plain: number): number => plain + AEAD_TAG_LENGTH;

export const MESSAGE_INITIATION = 1;
export const MESSAGE_RESPONSE = 2;
export const MESSAGE_COOKIE_REPLY = 3;
export const MESSAGE_DATA = 4;

/** The 4-byte header: a type byte and three reserved zero bytes, read as one little-endian u32. */
export const HEADER_LENGTH = 4;
const MACS_LENGTH = 2 * COOKIE_LENGTH;

/** type, sender, ephemeral, static{}, timestamp{}, mac1, mac2 */
export const INITIATION_LENGTH =
  HEADER_LENGTH + 4 + KEY_LENGTH + sealedLength(KEY_LENGTH) + sealedLength(TIMESTAMP_LENGTH) + MACS_LENGTH; // 148
/** type, sender, receiver, ephemeral, empty{}, mac1, mac2 */
export const RESPONSE_LENGTH = HEADER_LENGTH + 4 + 4 + KEY_LENGTH + sealedLength(0) + MACS_LENGTH; // 92
/** type, receiver, nonce, cookie{} */
export const COOKIE_REPLY_LENGTH = HEADER_LENGTH + 4 + COOKIE_NONCE_LENGTH + sealedLength(COOKIE_LENGTH); // 64
/** type, receiver, counter: the part of a data message before the ciphertext. */
export const DATA_HEADER_LENGTH = HEADER_LENGTH + 4 + 8; // 16
/** A keepalive: a data message with an empty plaintext. */
export const DATA_MINIMUM_LENGTH = DATA_HEADER_LENGTH + sealedLength(0); // 32
/** Plaintext of data messages is zero-padded to a multiple of this. */
export const PADDING_MULTIPLE = 16;

/** Send a new initiation once a key has sent this many messages (whitepaper §6.1). */
export const REKEY_AFTER_MESSAGES = 1n << 60n;
/**
 * No message is sent or accepted with a counter at or above this (whitepaper
 * §6.1 and wireguard-go: 2^64 − 2^13 − 1; the kernel uses 2^64 − 8130, which
 * only differs at the very top of the 64-bit range).
 */
export const REJECT_AFTER_MESSAGES = (1n << 64n) - (1n << 13n) - 1n;
/** The initiator starts a new handshake when sending on a key this old. */
export const REKEY_AFTER_TIME = 120_000;
/** Keys older than this neither send nor receive. */
export const REJECT_AFTER_TIME = 180_000;
/** Stop retrying a handshake after this long. */
export const REKEY_ATTEMPT_TIME = 90_000;
/** Resend an unanswered initiation after this long (plus jitter). */
export const REKEY_TIMEOUT = 5_000;
/** Send a keepalive when data was received but nothing sent for this long. */
export const KEEPALIVE_TIMEOUT = 10_000;
/** The responder's cookie secret changes this often (kernel COOKIE_SECRET_MAX_AGE). */
export const COOKIE_SECRET_MAX_AGE = 120_000;
/** A stored cookie is used for this much less than the secret's age (kernel COOKIE_SECRET_LATENCY). */
export const COOKIE_SECRET_LATENCY = 5_000;

// ---------------------------------------------------------------------------
// Derived timer values (kernel timers.c, send.c, receive.c).
// ---------------------------------------------------------------------------

/** Retransmissions after the first initiation before giving up: 90 / 5 = 18, so 20 initiations in all. */
export const MAX_TIMER_HANDSHAKES = REKEY_ATTEMPT_TIME / REKEY_TIMEOUT;
/** Start a handshake when data was sent and nothing received for this long (plus jitter). */
export const NEW_HANDSHAKE_AFTER_SILENCE = KEEPALIVE_TIMEOUT + REKEY_TIMEOUT;
/** The initiator rekeys when receiving on a key this old (165 s), so it never expires mid-use. */
export const REKEY_ON_RECEIVE_AFTER_TIME = REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT;
/** All keys are wiped this long after the last session was derived (540 s). */
export const ZERO_KEY_MATERIAL_AFTER = REJECT_AFTER_TIME * 3;
/** A stored cookie is used for MAC2 only while younger than this (115 s). */
export const COOKIE_USABLE_TIME = COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY;

// ---------------------------------------------------------------------------
// Implementation constants: local choices, matching the kernel where it has one.
// ---------------------------------------------------------------------------

/** Jitter added to handshake timers is uniform in [0, this) ms (kernel HZ/3, wireguard-go 334 ms). */
export const REKEY_TIMEOUT_JITTER_MAX = 334;
/** Initiations accepted per peer per second (kernel INITIATIONS_PER_SECOND)... */
export const INITIATIONS_PER_SECOND = 50;
/** ...so an initiation less than 20 ms after the last accepted one is a flood. */
export const INITIATION_MIN_INTERVAL = 1000 / INITIATIONS_PER_SECOND;
/**
 * TAI64N nanoseconds are rounded down to a multiple of 2^24 ns (the largest
 * power of two below 1e9 / INITIATIONS_PER_SECOND), so the timestamp leaks no
 * precise clock (kernel tai64n_now).
 */
export const TAI64N_NANOSECOND_GRANULARITY = 1 << 24;
/** TAI64 label of the Unix epoch: 2^62 + 10 leap seconds (cr.yp.to/libtai/tai64.html). */
export const TAI64_EPOCH_LABEL = 0x400000000000000an;

/** Replay window bitmap (kernel COUNTER_BITS_TOTAL). */
export const REPLAY_BITMAP_BITS = 8192;
/** Bits of the bitmap in one word; one word is always being overwritten (kernel COUNTER_REDUNDANT_BITS). */
export const REPLAY_WORD_BITS = 64;
/** Counters this far behind the highest seen are still accepted once (8128). */
export const REPLAY_WINDOW_SIZE = REPLAY_BITMAP_BITS - REPLAY_WORD_BITS;

/** Packets held per peer while waiting for a session; the oldest are dropped beyond this (kernel MAX_STAGED_PACKETS). */
export const MAX_STAGED_PACKETS = 128;

/** Handshake messages per second each source may send while under load (kernel ratelimiter.c). */
export const RATE_LIMIT_PACKETS_PER_SECOND = 20;
/** Burst allowance of the rate limiter. */
export const RATE_LIMIT_BURST = 5;
/** Source entries the rate limiter tracks before refusing new ones (kernel: 8 × its largest table, 8192). */
export const RATE_LIMITER_MAX_ENTRIES = 65_536;
/** Rate-limiter entries idle this long are forgotten. */
export const RATE_LIMITER_ENTRY_TIMEOUT = 1_000;

/**
 * Handshake messages received within one second at which the device counts
 * as under load. The kernel and wireguard-go measure a queue (1/8 of 4096 or
 * 1024 entries); a sans-I/O core has none, so it measures the arrival rate.
 */
export const UNDER_LOAD_HANDSHAKES_PER_SECOND = 128;
/** Once under load, stay so for this long (wireguard-go UnderLoadAfterTime, kernel 1 s). */
export const UNDER_LOAD_AFTER_TIME = 1_000;
