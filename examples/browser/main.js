// Generates a WireGuard key pair with wasmguard/crypto and shows it in the
// base64 form `wg genkey` and `wg pubkey` print.
import { loadCrypto } from "wasmguard/crypto";

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));

const crypto = await loadCrypto();

function newKeyPair() {
  const privateKey = crypto.generatePrivateKey(); // random, clamped (RFC 7748)
  const publicKey = crypto.x25519PublicKey(privateKey);
  document.getElementById("private-key").value = toBase64(privateKey);
  document.getElementById("public-key").value = toBase64(publicKey);
}

newKeyPair();
const again = document.getElementById("again");
again.addEventListener("click", newKeyPair);
again.disabled = false;
document.getElementById("status").textContent = `WebAssembly ${crypto.build === "simd" ? "SIMD" : "scalar"} build.`;
document.body.dataset.ready = "true";
