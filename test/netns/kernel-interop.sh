#!/usr/bin/env bash
# Interop with the Linux kernel's WireGuard: kernel WireGuard in one network
# namespace, wasmguardd in another, joined by a veth pair, both configured with
# the stock `wg` tool. Runs inside one kernel that has the wireguard module: the
# host's, or the VM of ../shared/tools/kernel-vm.sh (test/netns/kernel-interop.test.ts
# picks which and launches this script).
#
#   ns I (initiator)                               ns R (responder)
#   wg: 10.10.0.1/24 fd10::1/64                    wg: 10.10.0.2/24 fd10::2/64
#   veth vi: 10.201.0.1/24 fd01::1/64    <--->     veth vr: 10.201.0.2/24 fd01::2/64, port 51820
#
# Scenarios: the kernel initiates or wasmguard does (roles), each with and without a
# preshared key (variants). The script prints one TAP line per check ("ok N - scenario: check" or
# "not ok N - ..." followed by "# " diagnostics) and the script exits 1 if any
# check failed. Usage:
#   bash test/netns/kernel-interop.sh          run (root, in a kernel with wireguard)
#   bash test/netns/kernel-interop.sh --list   print the checks it would run, one a line
# Environment:
#   WASMGUARDD        command running the daemon (default: node dist/bin/wasmguardd.js when
#                     dist/ is newer than the sources, else node --import tsx bin/wasmguardd.ts)
#   KI_ROLES          who initiates: "kernel wasmguard" (default), or one of them
#   KI_VARIANTS       "nopsk psk" (default), or one of them
#   KI_TRANSFER_MB    size of each TCP transfer (default 2; two run at once, one each way)
#   KI_PEER           kernel (default), or wireguard-go to check this script itself on a
#                     host without the module (then "kernel" in check names means wireguard-go)
#   KI_KERNEL_DEBUG=1 enable the wireguard module's debug messages and show them on failure
#                     (for a throwaway VM; it changes a host-wide setting)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
REPO=$PWD
ROLES=${KI_ROLES:-kernel wasmguard}
VARIANTS=${KI_VARIANTS:-nopsk psk}
MB=${KI_TRANSFER_MB:-2}
PEER=${KI_PEER:-kernel}

label_of() { # initiator psk -> scenario label
  local who=$1 psk=$2
  printf '%s initiates, %s' "$who" "$([[ $psk == psk ]] && echo "preshared key" || echo "no preshared key")"
}

# The checks, "label|id|title" per line. Per role (who initiates), one pair of namespaces
# and daemons serves the variant without a preshared key, then, with fresh keys, the one
# with. The first variant starts over the IPv4 outer transport and moves to IPv6; the
# second goes the other way.
plan() { # initiator
  local v first second label last=${VARIANTS##* }
  for v in $VARIANTS; do
    first=IPv4 second=IPv6
    [[ $v == psk ]] && first=IPv6 second=IPv4
    label=$(label_of "$1" "$v")
    if [[ $v == "${VARIANTS%% *}" ]]; then
      echo "$label|setup|set up: kernel WireGuard and wasmguardd in two namespaces, configured with wg"
    else
      echo "$label|reconfig|reconfigure both sides with fresh keys, addresses back to the start"
    fi
    echo "$label|first|handshake and IPv4 ping from the initiator over an $first outer transport"
    echo "$label|ping6|IPv6 ping from the initiator"
    echo "$label|back|the responder pings back over IPv4 and IPv6"
    echo "$label|show|wg show on both sides: keys, listen port, endpoints, allowed ips, preshared key, recent handshake"
    echo "$label|counters|wg show on both sides: transfer counters agree, each side received what the other sent"
    echo "$label|outer2|IPv4 and IPv6 pings over an $second outer transport, learned by the responder"
    echo "$label|tcp|TCP transfers of $MB MB each way at once (inner IPv4 one way, IPv6 the other), checksums match"
    echo "$label|roamI|roaming: the responder follows the initiator to a new outer address and port"
    echo "$label|roamR|roaming: the initiator follows the responder to a new outer address"
    [[ $v == psk ]] && echo "$label|pskbad|a peer re-added with a different preshared key gets no handshake until the key is fixed"
    echo "$label|readdI|removing the peer on the initiator stops traffic; re-adding it restores it with a new handshake"
    echo "$label|readdR|removing the peer on the responder; re-added, it reconnects by initiating itself"
    [[ $v == "$last" ]] && echo "$label|teardown|teardown: wasmguardd exits on SIGTERM and removes its socket; namespaces deleted"
  done
}

if [[ ${1:-} == --list ]]; then
  for r in $ROLES; do
    plan "$r" | while IFS='|' read -r label _ title; do echo "$label: $title"; done
  done
  exit 0
fi

# ------------------------------------------------------------------ environment
die() { echo "Bail out! $*"; exit 2; }
((EUID == 0)) || die "needs root"
for t in ip wg ping node sha256sum timeout; do command -v "$t" >/dev/null || die "missing $t"; done

if [[ -z ${WASMGUARDD:-} ]]; then
  if [[ -f dist/bin/wasmguardd.js && -z $(find bin bindings -name '*.ts' -newer dist/bin/wasmguardd.js -print -quit) ]]; then
    WASMGUARDD="node $REPO/dist/bin/wasmguardd.js"
  else
    WASMGUARDD="node --import $REPO/node_modules/tsx/dist/loader.mjs $REPO/bin/wasmguardd.ts"
  fi
fi
read -r -a WGD <<<"$WASMGUARDD"

if [[ $PEER == kernel ]]; then
  modprobe wireguard 2>/dev/null
  if [[ ${KI_KERNEL_DEBUG:-0} == 1 ]]; then
    mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
    echo 'module wireguard +p' >/sys/kernel/debug/dynamic_debug/control 2>/dev/null
  fi
elif [[ $PEER != wireguard-go ]]; then
  die "KI_PEER must be kernel or wireguard-go"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kernel-interop.XXXXXX")
export TMPDIR=$WORK # tsx keeps its cache there: the VM's root is an overlay, always writable
tag=$(($$ % 10000))
NS_I=ki$tag-i NS_R=ki$tag-r
IF_K=wgk$tag IF_W=wgw$tag

echo "# kernel $(uname -r), peer: $PEER, wasmguardd: $WASMGUARDD"
echo "# node $(node -v), $(wg --version 2>&1 | cut -d' ' -f1-2)"

# ------------------------------------------------------------------ TAP
n=0 failures=0 gate_failed="" check_log=$WORK/check.log

# Runs c_<id> with its output captured; prints ok / not ok with the output as diagnostics.
run_check() { # id title
  local id=$1 title=$2 start=$SECONDS
  n=$((n + 1))
  if [[ -n $gate_failed ]]; then
    failures=$((failures + 1))
    echo "not ok $n - $LABEL: $title # not run: an earlier check ($gate_failed) failed"
    return
  fi
  : >"$check_log"
  if "c_$id" </dev/null >"$check_log" 2>&1; then
    echo "ok $n - $LABEL: $title ($((SECONDS - start)) s)"
  else
    failures=$((failures + 1))
    echo "not ok $n - $LABEL: $title ($((SECONDS - start)) s)"
    sed 's/^/#   /' "$check_log" | tail -n 30
    diagnostics
    case $id in setup | reconfig | first) gate_failed=$id ;; esac
  fi
}

diagnostics() {
  echo "#   -- wg show (initiator side)"
  wg_in "$NS_I" show "$IF_I" 2>&1 | sed 's/^/#   /'
  echo "#   -- wg show (responder side)"
  wg_in "$NS_R" show "$IF_R" 2>&1 | sed 's/^/#   /'
  echo "#   -- wasmguardd log (last lines)"
  tail -n 15 "$WORK/wasmguardd.log" 2>/dev/null | sed 's/^/#   /'
  if [[ $PEER == kernel && ${KI_KERNEL_DEBUG:-0} == 1 ]]; then
    echo "#   -- kernel log (wireguard, last lines)"
    dmesg 2>/dev/null | grep -i wireguard | tail -n 15 | sed 's/^/#   /'
  fi
}

# ------------------------------------------------------------------ helpers
in_ns() { ip netns exec "$@"; }
wg_in() { local ns=$1; shift; ip netns exec "$ns" wg "$@"; }
ping_once() { in_ns "$1" ping -c 1 -W 2 "$2" >/dev/null 2>&1; }
# Pings until one answer comes back (a handshake may be under way).
ping_until() { # ns addr [tries]
  local i
  for ((i = 0; i < ${3:-15}; i++)); do ping_once "$1" "$2" && return 0; done
  echo "no reply from $2 (in $1) after ${3:-15} tries"
  return 1
}
ping_ok() { # ns addr: three pings, all answered
  in_ns "$1" ping -c 3 -i 0.2 -W 3 "$2" >"$WORK/ping.out" 2>&1 && return 0
  echo "ping $2 from $1 lost packets:"; cat "$WORK/ping.out"
  return 1
}
ping_fails() { # ns addr
  if ping_once "$1" "$2"; then echo "ping $2 from $1 was answered, expected no answer"; return 1; fi
}
field() { # ns iface field -> the value for the single peer
  wg_in "$1" show "$2" "$3" | awk -F'\t' 'NR == 1 { print $2 }'
}
expect_eq() { # what actual expected
  [[ $2 == "$3" ]] && return 0
  echo "$1: got '$2', expected '$3'"
  return 1
}
expect_match() { # what actual regex
  [[ $2 =~ $3 ]] && return 0
  echo "$1: got '$2', expected to match $3"
  return 1
}
recent() { # what unix-time [not-before]: a handshake time, recent and not before the bound
  local now
  now=$(date +%s)
  if [[ ! $2 =~ ^[0-9]+$ ]] || (($2 == 0 || $2 < ${3:-0} || now - $2 > 300)); then
    echo "$1: '$2' (now $now, expected at or after ${3:-any recent time})"
    return 1
  fi
}
recent_handshake() { # ns iface [not-before]
  recent "latest handshake on $2" "$(field "$1" "$2" latest-handshakes)" "${3:-}"
}

start_wasmguardd() { # ns iface
  LOG_LEVEL=verbose in_ns "$1" "${WGD[@]}" "$2" >>"$WORK/wasmguardd.log" 2>&1 || {
    echo "wasmguardd $2 failed to start:"; tail -n 20 "$WORK/wasmguardd.log"; return 1
  }
}
start_reference() { # ns iface
  if [[ $PEER == kernel ]]; then
    ip -n "$1" link add "$2" type wireguard
  else
    in_ns "$1" wireguard-go "$2" >>"$WORK/reference.log" 2>&1
  fi
}

set_addr() { # ns dev old new (v4 /24): delete first, as removing a primary address drops its secondaries
  ip -n "$1" addr del "$3/24" dev "$2" && ip -n "$1" addr add "$4/24" dev "$2"
}

# ------------------------------------------------------------------ scenario state
# Set per role and variant: interfaces of each side, keys, current outer addresses and port.
INIT="" PSK_MODE="" IF_I="" IF_R="" PUB_I="" PUB_R="" I4="" R4="" I_PORT="" FIRST=""
KEY_I=$WORK/key-i KEY_R=$WORK/key-r PSK=$WORK/psk PSK_BAD=$WORK/psk-bad
psk_args() { [[ $PSK_MODE == psk ]] && echo "preshared-key $PSK"; }
allowed_of_r() { echo "10.10.0.2/32,fd10::2/128"; }
allowed_of_i() { echo "10.10.0.1/32,fd10::1/128"; }
r_endpoint() { # family -> the responder's outer endpoint
  if [[ $1 == IPv6 ]]; then echo "[fd01::2]:51820"; else echo "$R4:51820"; fi
}

c_setup() {
  ip netns add "$NS_I" && ip netns add "$NS_R" || return 1
  ip -n "$NS_I" link set lo up && ip -n "$NS_R" link set lo up || return 1
  ip link add vi netns "$NS_I" type veth peer name vr netns "$NS_R" || return 1
  ip -n "$NS_I" addr add 10.201.0.1/24 dev vi && ip -n "$NS_I" addr add fd01::1/64 dev vi nodad || return 1
  ip -n "$NS_R" addr add 10.201.0.2/24 dev vr && ip -n "$NS_R" addr add fd01::2/64 dev vr nodad || return 1
  ip -n "$NS_I" link set vi up && ip -n "$NS_R" link set vr up || return 1
  I4=10.201.0.1 R4=10.201.0.2
  if [[ $INIT == kernel ]]; then
    start_reference "$NS_I" "$IF_I" && start_wasmguardd "$NS_R" "$IF_R" || return 1
  else
    start_wasmguardd "$NS_I" "$IF_I" && start_reference "$NS_R" "$IF_R" || return 1
  fi
  local ns ifc k host
  for k in I R; do
    if [[ $k == I ]]; then ns=$NS_I ifc=$IF_I host=1; else ns=$NS_R ifc=$IF_R host=2; fi
    ip -n "$ns" addr add "10.10.0.$host/24" dev "$ifc" &&
      ip -n "$ns" addr add "fd10::$host/64" dev "$ifc" nodad &&
      ip -n "$ns" link set "$ifc" up || return 1
  done
  configure
}

# The same namespaces and daemons, as if new: outer addresses back, new keys, new peers.
c_reconfig() {
  wg_in "$NS_I" set "$IF_I" peer "$PUB_R" remove && wg_in "$NS_R" set "$IF_R" peer "$PUB_I" remove || return 1
  [[ $I4 == 10.201.0.1 ]] || { set_addr "$NS_I" vi "$I4" 10.201.0.1 && I4=10.201.0.1; } || return 1
  [[ $R4 == 10.201.0.2 ]] || { set_addr "$NS_R" vr "$R4" 10.201.0.2 && R4=10.201.0.2; } || return 1
  configure
}

configure() {
  (umask 077 && wg genkey >"$KEY_I" && wg genkey >"$KEY_R" && wg genpsk >"$PSK" && wg genpsk >"$PSK_BAD") || return 1
  PUB_I=$(wg pubkey <"$KEY_I") PUB_R=$(wg pubkey <"$KEY_R")
  # shellcheck disable=SC2046
  wg_in "$NS_I" set "$IF_I" private-key "$KEY_I" peer "$PUB_R" $(psk_args) \
    endpoint "$(r_endpoint "$FIRST")" allowed-ips "$(allowed_of_r)" || return 1
  # shellcheck disable=SC2046
  wg_in "$NS_R" set "$IF_R" private-key "$KEY_R" listen-port 51820 peer "$PUB_I" $(psk_args) \
    allowed-ips "$(allowed_of_i)" || return 1
  I_PORT=$(wg_in "$NS_I" show "$IF_I" listen-port)
  echo "initiator $IF_I port $I_PORT, responder $IF_R port 51820"
}

c_first() {
  ping_until "$NS_I" 10.10.0.2 && ping_ok "$NS_I" 10.10.0.2
}

c_ping6() { ping_ok "$NS_I" fd10::2; }

c_back() { ping_ok "$NS_R" 10.10.0.1 && ping_ok "$NS_R" fd10::1; }

# "wg show IFACE dump": the interface line, then one line per peer (tab-separated).
dump_fields() { # ns iface line -> fields separated by spaces
  wg_in "$1" show "$2" dump | sed -n "${3}p" | tr '\t' ' '
}

c_show() {
  local ok=0 want_psk="(none)" ep_i=$I4:$I_PORT
  [[ $PSK_MODE == psk ]] && want_psk=$(<"$PSK")
  [[ $FIRST == IPv6 ]] && ep_i="[fd01::1]:$I_PORT"
  local priv pub port pk psk ep allowed hs
  read -r priv pub port _ <<<"$(dump_fields "$NS_I" "$IF_I" 1)"
  expect_eq "initiator's public key" "$pub" "$PUB_I" || ok=1
  expect_eq "initiator's private key" "$priv" "$(<"$KEY_I")" || ok=1
  read -r priv pub port _ <<<"$(dump_fields "$NS_R" "$IF_R" 1)"
  expect_eq "responder's public key" "$pub" "$PUB_R" || ok=1
  expect_eq "responder's listen port" "$port" 51820 || ok=1
  read -r pk psk ep allowed hs _ <<<"$(dump_fields "$NS_I" "$IF_I" 2)"
  expect_eq "initiator's peer" "$pk" "$PUB_R" || ok=1
  expect_eq "initiator's preshared key" "$psk" "$want_psk" || ok=1
  expect_eq "initiator's endpoint" "$ep" "$(r_endpoint "$FIRST")" || ok=1
  expect_eq "initiator's allowed ips" "$allowed" "10.10.0.2/32,fd10::2/128" || ok=1
  recent "initiator's latest handshake" "$hs" || ok=1
  read -r pk psk ep allowed hs _ <<<"$(dump_fields "$NS_R" "$IF_R" 2)"
  expect_eq "responder's peer" "$pk" "$PUB_I" || ok=1
  expect_eq "responder's preshared key" "$psk" "$want_psk" || ok=1
  expect_eq "responder's endpoint (learned)" "$ep" "$ep_i" || ok=1
  expect_eq "responder's allowed ips" "$allowed" "10.10.0.1/32,fd10::1/128" || ok=1
  recent "responder's latest handshake" "$hs" || ok=1
  return $ok
}

counters() { # -> "rxI txI rxR txR"
  echo "$(wg_in "$NS_I" show "$IF_I" transfer | cut -f2,3) $(wg_in "$NS_R" show "$IF_R" transfer | cut -f2,3)" | tr '\t' ' '
}

stable_counters() { # -> "rxI txI rxR txR", read until two readings a second apart agree
  local prev="" cur="" i
  for ((i = 0; i < 15; i++)); do
    cur=$(counters)
    [[ $cur == "$prev" ]] && break
    prev=$cur
    sleep 1
  done
  echo "$cur"
}

# Over a quiet window holding pings both ways, what each side sent is what the other
# received, byte for byte (both count whole datagrams: headers, padding, tags). Over the
# whole session so far, neither received more than the other sent.
c_counters() {
  local rxI txI rxR txR rxI2 txI2 rxR2 txR2 ok=0
  read -r rxI txI rxR txR <<<"$(stable_counters)"
  echo "before: initiator received $rxI, sent $txI; responder received $rxR, sent $txR"
  ((rxR <= txI && rxI <= txR)) || { echo "a side received more than the other sent"; ok=1; }
  ping_ok "$NS_I" 10.10.0.2 && ping_ok "$NS_R" fd10::1 || return 1
  read -r rxI2 txI2 rxR2 txR2 <<<"$(stable_counters)"
  echo "after:  initiator received $rxI2, sent $txI2; responder received $rxR2, sent $txR2"
  local dTxI=$((txI2 - txI)) dRxR=$((rxR2 - rxR)) dTxR=$((txR2 - txR)) dRxI=$((rxI2 - rxI))
  echo "initiator -> responder: $dTxI sent, $dRxR received; responder -> initiator: $dTxR sent, $dRxI received"
  # 3 IPv4 pings (84-byte packets: 128 on the wire) and 3 IPv6 ones (104: 144) each way.
  ((dTxI >= 3 * 128 + 3 * 144 && dTxR >= 3 * 128 + 3 * 144)) || { echo "fewer bytes than the pings need"; ok=1; }
  ((dTxI == dRxR && dTxR == dRxI)) || { echo "the two ends disagree"; ok=1; }
  return $ok
}

c_outer2() {
  local second=IPv6 want="^$I4:$I_PORT\$" attempt ep
  [[ $FIRST == IPv6 ]] && second=IPv4
  [[ $second == IPv6 ]] && want="^\[fd01::1\]:$I_PORT\$"
  # A packet the responder sent earlier to the old endpoint (a passive keepalive) may
  # still arrive after the switch, and the initiator rightly roams back to it: retry.
  for attempt in 1 2 3; do
    wg_in "$NS_I" set "$IF_I" peer "$PUB_R" endpoint "$(r_endpoint $second)" || return 1
    ping_until "$NS_I" 10.10.0.2 && ping_ok "$NS_I" fd10::2 || return 1
    ep=$(field "$NS_R" "$IF_R" endpoints)
    [[ $ep =~ $want && $(field "$NS_I" "$IF_I" endpoints) == "$(r_endpoint $second)" ]] && break
    echo "attempt $attempt: responder's endpoint is $ep, initiator's $(field "$NS_I" "$IF_I" endpoints)"
  done
  expect_match "responder's endpoint" "$ep" "$want" || return 1
  ping_ok "$NS_R" 10.10.0.1 && ping_ok "$NS_R" fd10::1
}

# A TCP transfer of random bytes: node hashes what it receives; bash sends a file.
RECEIVER='
const net = require("net"), crypto = require("crypto");
const h = crypto.createHash("sha256");
let n = 0;
const srv = net.createServer((s) => {
  s.on("data", (d) => { n += d.length; h.update(d); });
  s.on("end", () => { console.log(n + " " + h.digest("hex")); srv.close(); });
});
srv.listen(Number(process.argv[1]), "::", () => console.log("listening"));
'
receiver_start() { # ns port out -> pid of the receiver in $rpid
  timeout 240 ip netns exec "$1" node -e "$RECEIVER" "$2" >"$3" 2>&1 &
  rpid=$!
}
receiver_ready() { # out
  local i
  for ((i = 0; i < 300; i++)); do
    grep -q listening "$1" && return 0
    sleep 0.1
  done
  echo "receiver did not start:"; cat "$1"
  return 1
}
c_tcp() {
  local ok=0 p1 p2 s1 s2 rpid r1 r2 start
  head -c $((MB * 1048576)) /dev/urandom >"$WORK/data1" && head -c $((MB * 1048576)) /dev/urandom >"$WORK/data2" || return 1
  receiver_start "$NS_R" 5001 "$WORK/recv1"; r1=$rpid
  receiver_start "$NS_I" 5002 "$WORK/recv2"; r2=$rpid
  receiver_ready "$WORK/recv1" && receiver_ready "$WORK/recv2" || { kill $r1 $r2 2>/dev/null; return 1; }
  start=$SECONDS
  timeout 240 ip netns exec "$NS_I" bash -c 'cat "$1" >"/dev/tcp/$2/$3"' _ "$WORK/data1" 10.10.0.2 5001 &
  p1=$!
  timeout 240 ip netns exec "$NS_R" bash -c 'cat "$1" >"/dev/tcp/$2/$3"' _ "$WORK/data2" fd10::1 5002 &
  p2=$!
  wait $p1; s1=$?
  wait $p2; s2=$?
  ((s1 == 0)) || { echo "sender initiator -> responder failed ($s1)"; ok=1; }
  ((s2 == 0)) || { echo "sender responder -> initiator failed ($s2)"; ok=1; }
  ((ok == 0)) || kill $r1 $r2 2>/dev/null
  wait $r1 $r2
  local k want got
  for k in 1 2; do
    want="$(stat -c %s "$WORK/data$k") $(sha256sum <"$WORK/data$k" | cut -d' ' -f1)"
    got=$(grep -v listening "$WORK/recv$k" | tail -n 1)
    echo "transfer $k: sent $want"
    echo "transfer $k: got  $got"
    [[ $got == "$want" ]] || ok=1
  done
  echo "both done after $((SECONDS - start)) s"
  return $ok
}

c_roamI() {
  local port=40123
  [[ $I_PORT == 40123 ]] && port=40124
  wg_in "$NS_I" set "$IF_I" peer "$PUB_R" endpoint "$R4:51820" || return 1
  set_addr "$NS_I" vi "$I4" 10.201.0.3 || return 1
  I4=10.201.0.3
  ping_until "$NS_I" 10.10.0.2 || return 1
  expect_match "responder's endpoint after the address change" "$(field "$NS_R" "$IF_R" endpoints)" "^$I4:$I_PORT\$" || return 1
  wg_in "$NS_I" set "$IF_I" listen-port $port || return 1
  I_PORT=$port
  ping_until "$NS_I" 10.10.0.2 || return 1
  expect_eq "responder's endpoint after the port change" "$(field "$NS_R" "$IF_R" endpoints)" "$I4:$port" || return 1
  # The responder answers at the new place without being told.
  ping_ok "$NS_R" 10.10.0.1
}

c_roamR() {
  set_addr "$NS_R" vr "$R4" 10.201.0.4 || return 1
  R4=10.201.0.4
  # The responder speaks first, from its new address; the initiator learns it.
  ping_until "$NS_R" 10.10.0.1 || return 1
  expect_eq "initiator's endpoint" "$(field "$NS_I" "$IF_I" endpoints)" "$R4:51820" || return 1
  ping_ok "$NS_I" 10.10.0.2
}

c_pskbad() {
  wg_in "$NS_I" set "$IF_I" peer "$PUB_R" remove || return 1
  wg_in "$NS_I" set "$IF_I" peer "$PUB_R" preshared-key "$PSK_BAD" endpoint "$R4:51820" allowed-ips "$(allowed_of_r)" || return 1
  # The initiation goes out, the responder answers, the initiator rejects the answer.
  if in_ns "$NS_I" ping -c 1 -W 4 10.10.0.2 >/dev/null 2>&1; then echo "ping answered with mismatched keys"; return 1; fi
  expect_eq "initiator's latest handshake" "$(field "$NS_I" "$IF_I" latest-handshakes)" 0 || return 1
  # With the right key, the next retry of the handshake succeeds.
  wg_in "$NS_I" set "$IF_I" peer "$PUB_R" preshared-key "$PSK" || return 1
  ping_until "$NS_I" 10.10.0.2
}

c_readdI() {
  wg_in "$NS_I" set "$IF_I" peer "$PUB_R" remove || return 1
  expect_eq "initiator's peers after removal" "$(wg_in "$NS_I" show "$IF_I" peers)" "" || return 1
  ping_fails "$NS_I" 10.10.0.2 || return 1
  local t0
  t0=$(date +%s)
  # shellcheck disable=SC2046
  wg_in "$NS_I" set "$IF_I" peer "$PUB_R" $(psk_args) endpoint "$R4:51820" allowed-ips "$(allowed_of_r)" || return 1
  ping_until "$NS_I" 10.10.0.2 || return 1
  recent_handshake "$NS_I" "$IF_I" "$t0" && ping_ok "$NS_I" fd10::2 && ping_ok "$NS_R" 10.10.0.1
}

c_readdR() {
  wg_in "$NS_R" set "$IF_R" peer "$PUB_I" remove || return 1
  ping_fails "$NS_R" 10.10.0.1 || return 1
  local t0
  t0=$(date +%s)
  # shellcheck disable=SC2046
  wg_in "$NS_R" set "$IF_R" peer "$PUB_I" $(psk_args) endpoint "$I4:$I_PORT" allowed-ips "$(allowed_of_i)" || return 1
  ping_until "$NS_R" 10.10.0.1 || return 1
  recent_handshake "$NS_R" "$IF_R" "$t0" && recent_handshake "$NS_I" "$IF_I" "$t0" && ping_ok "$NS_I" 10.10.0.2
}

# Ends every process in our namespaces (by PID) and deletes them.
teardown() {
  local ns p i
  for ns in "$NS_I" "$NS_R"; do
    ip netns list 2>/dev/null | grep -qw "^$ns" || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
  done
  for ((i = 0; i < 30; i++)); do
    [[ -z $(ip netns pids "$NS_I" 2>/dev/null)$(ip netns pids "$NS_R" 2>/dev/null) ]] && break
    sleep 0.1
  done
  for ns in "$NS_I" "$NS_R"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -f "/var/run/wireguard/$IF_K.sock" "/var/run/wireguard/$IF_W.sock"
}

c_teardown() {
  local ns=$NS_R pids p i
  [[ $INIT == wasmguard ]] && ns=$NS_I
  pids=$(ip netns pids "$ns")
  [[ -n $pids ]] || { echo "no wasmguardd process in $ns"; return 1; }
  for p in $pids; do kill -TERM "$p"; done
  for ((i = 0; i < 100; i++)); do
    [[ -z $(ip netns pids "$ns") ]] && break
    sleep 0.1
  done
  local ok=0
  [[ -z $(ip netns pids "$ns") ]] || { echo "wasmguardd still running 10 s after SIGTERM"; ok=1; }
  [[ ! -e /var/run/wireguard/$IF_W.sock ]] || { echo "socket /var/run/wireguard/$IF_W.sock left behind"; ok=1; }
  ! ip -n "$ns" link show "$IF_W" >/dev/null 2>&1 || { echo "interface $IF_W left behind"; ok=1; }
  teardown
  for ns in "$NS_I" "$NS_R"; do
    ! ip netns list | grep -qw "^$ns" || { echo "namespace $ns left behind"; ok=1; }
  done
  return $ok
}

cleanup() { teardown; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ run
total_start=$SECONDS
for INIT in $ROLES; do
  if [[ $INIT == kernel ]]; then IF_I=$IF_K IF_R=$IF_W; else IF_I=$IF_W IF_R=$IF_K; fi
  gate_failed="" I_PORT="" PUB_I="" PUB_R=""
  : >"$WORK/wasmguardd.log"
  role_start=$SECONDS
  mapfile -t checks < <(plan "$INIT")
  for c in "${checks[@]}"; do
    IFS='|' read -r LABEL id title <<<"$c"
    PSK_MODE=nopsk FIRST=IPv4
    [[ $LABEL == *", preshared key" ]] && PSK_MODE=psk FIRST=IPv6
    # A failed setup stops the role; a failed first handshake stops its variant.
    [[ ($id == reconfig || $id == teardown) && $gate_failed != setup ]] && gate_failed=""
    run_check "$id" "$title"
  done
  teardown
  echo "# $INIT initiates: $((SECONDS - role_start)) s"
done
echo "1..$n"
echo "# $failures of $n checks failed; $((SECONDS - total_start)) s"
((failures == 0))
