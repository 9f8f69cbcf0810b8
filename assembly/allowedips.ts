// AllowedIPs: longest-prefix match from IPv4/IPv6 addresses to peer ids.
//
// WireGuard consults this table for every packet: outbound to pick the peer by
// destination, inbound to check that a decrypted packet's source maps back to the
// peer that sent it. Lookups therefore read addresses straight out of packet
// headers in linear memory, one call per batch.
//
// Structure, per table and address family:
// - A path-compressed binary trie. Every node is a prefix (key masked to `cidr`
//   bits); the next bit to branch on is bit number `cidr`. A node without a peer is
//   only a branch point and always has two children, so N prefixes need at most
//   2N-1 nodes and removing every prefix empties the trie.
// - In front of it, a directory of 65,536 slots indexed by the first 16 address
//   bits. A slot caches what a lookup would find while walking the trie through
//   nodes shorter than /16 (the best peer so far) and the first node of /16 or
//   longer on that path, where the lookup resumes. So a lookup costs one slot read
//   plus the nodes below /16 (about log2(N / 65536) + 1 for random prefixes).
//   An insert or remove recomputes only the slots inside the prefix of the node it
//   changed: one slot for /16 and longer, 2^(16-len) for a shorter prefix.
//
// Peer ids are 1..0x7fffffff; 0 means "no peer" everywhere (lookups return 0 for
// no match). Each table keeps, per peer, a list of that peer's prefixes in the
// order they were first inserted, for listing and for removing a whole peer.
//
// Memory: the runtime is `stub` (a bump allocator that never frees), so this file
// recycles its own memory: 48-byte nodes come from slabs and return to a free
// list; tables, per-peer maps and directories are power-of-two blocks recycled per
// size class. New memory comes from heap.alloc in large chunks, which grows linear
// memory (callers must re-read memory.buffer after an insert). All allocation
// happens before a mutation starts, so running out of memory traps with the table
// unchanged.

// ---- node layout (48 bytes) ----
// @ts-ignore: decorator
@inline const N_HI: usize = 0; // first 64 key bits, big-endian order as an integer
// @ts-ignore: decorator
@inline const N_LO: usize = 8; // last 64 key bits (IPv6 only)
// @ts-ignore: decorator
@inline const N_CHILD: usize = 16; // child[0] at 16, child[1] at 20; child[0] links the free list
// @ts-ignore: decorator
@inline const N_PARENT: usize = 24;
// @ts-ignore: decorator
@inline const N_PEER: usize = 28;
// @ts-ignore: decorator
@inline const N_CIDR: usize = 32; // u8
// @ts-ignore: decorator
@inline const N_FAMILY: usize = 33; // u8: 4 or 6
// @ts-ignore: decorator
@inline const N_NEXT: usize = 36; // the peer's list
// @ts-ignore: decorator
@inline const N_PREV: usize = 40;
// @ts-ignore: decorator
@inline const NODE_BYTES: usize = 48;

// ---- table layout (64 bytes) ----
// @ts-ignore: decorator
@inline const T_ROOT: usize = 0; // root4 at 0, root6 at 4
// @ts-ignore: decorator
@inline const T_DIR: usize = 8; // dir4 at 8, dir6 at 12
// @ts-ignore: decorator
@inline const T_COUNT: usize = 16; // prefixes: v4 at 16, v6 at 20
// @ts-ignore: decorator
@inline const T_MAP: usize = 24; // peer map
// @ts-ignore: decorator
@inline const T_MAP_SHIFT: usize = 28; // log2 of its capacity
// @ts-ignore: decorator
@inline const T_MAP_USED: usize = 32;
// @ts-ignore: decorator
@inline const T_MAGIC: usize = 36;
// @ts-ignore: decorator
@inline const TABLE_CLASS: u32 = 6;
// @ts-ignore: decorator
@inline const TABLE_MAGIC: u32 = 0x57474150; // "WGAP": a live table handle

// ---- peer map entry (16 bytes): id, first node, last node, prefix count ----
// @ts-ignore: decorator
@inline const E_ID: usize = 0;
// @ts-ignore: decorator
@inline const E_HEAD: usize = 4;
// @ts-ignore: decorator
@inline const E_TAIL: usize = 8;
// @ts-ignore: decorator
@inline const E_COUNT: usize = 12;
// @ts-ignore: decorator
@inline const MAP_MIN_SHIFT: u32 = 4;

// ---- directory: 65,536 slots of u64 (peer | node << 32) = 512 KiB ----
// @ts-ignore: decorator
@inline const DIR_BITS: u32 = 16;
// @ts-ignore: decorator
@inline const DIR_CLASS: u32 = 19;

// @ts-ignore: decorator
@inline const PEER_MAX: u32 = 0x7fffffff;

// Errors returned by mutating exports (negative so they never look like a count).
// @ts-ignore: decorator
@inline const ERR_TABLE: i32 = -1;
// @ts-ignore: decorator
@inline const ERR_ARGUMENT: i32 = -2;

// Scratch for address and list-record I/O with the host.
const SCRATCH: usize = memory.data(2048, 16);
// @ts-ignore: decorator
@inline const LIST_RECORD: usize = 20; // family u8, cidr u8, 2 zero bytes, 16 address bytes

// ---- memory management ----

const SLAB_MIN: u32 = 1024; // nodes in the first slab
const SLAB_MAX: u32 = 65536; // 3 MiB: large enough to amortize, small enough to waste little

let nodeFreeList: usize = 0;
let slabCursor: usize = 0;
let slabEnd: usize = 0;
let slabNextNodes: u32 = SLAB_MIN;
let nodesLive: u32 = 0;
let nodesReserved: u32 = 0;

const blockFreeLists: usize = memory.data(32 * 4, 4); // head per size class 2^k

function blockAlloc(k: u32): usize {
  const headAt = blockFreeLists + ((<usize>k) << 2);
  const head = load<u32>(headAt);
  if (head != 0) {
    store<u32>(headAt, load<u32>(head));
    return head;
  }
  return heap.alloc((<usize>1) << k);
}

function blockRelease(p: usize, k: u32): void {
  const headAt = blockFreeLists + ((<usize>k) << 2);
  store<u32>(p, load<u32>(headAt));
  store<u32>(headAt, <u32>p);
}

function freeNodesAvailable(): u32 {
  let n: u32 = <u32>((slabEnd - slabCursor) / NODE_BYTES);
  let p = nodeFreeList;
  while (p != 0 && n < 2) {
    n++;
    p = load<u32>(p, N_CHILD);
  }
  return n;
}

// Ensures the next two nodeAlloc calls cannot allocate (an insert needs at most two).
function reserveNodes(): void {
  if (freeNodesAvailable() >= 2) return;
  // Put the rest of the current slab on the free list, then open a new slab.
  while (slabCursor + NODE_BYTES <= slabEnd) {
    store<u32>(slabCursor, <u32>nodeFreeList, N_CHILD);
    nodeFreeList = slabCursor;
    slabCursor += NODE_BYTES;
  }
  const count = slabNextNodes;
  const p = heap.alloc(<usize>count * NODE_BYTES);
  slabCursor = p;
  slabEnd = p + <usize>count * NODE_BYTES;
  nodesReserved += count;
  if (slabNextNodes < SLAB_MAX) slabNextNodes <<= 1;
}

function nodeAlloc(hi: u64, lo: u64, cidr: u32, family: u32): usize {
  let n = nodeFreeList;
  if (n != 0) {
    nodeFreeList = load<u32>(n, N_CHILD);
  } else {
    n = slabCursor;
    slabCursor += NODE_BYTES;
  }
  memory.fill(n, 0, NODE_BYTES);
  store<u64>(n, hi, N_HI);
  store<u64>(n, lo, N_LO);
  store<u8>(n, <u8>cidr, N_CIDR);
  store<u8>(n, <u8>family, N_FAMILY);
  nodesLive++;
  return n;
}

function nodeRelease(n: usize): void {
  store<u32>(n, <u32>nodeFreeList, N_CHILD);
  store<u32>(n, 0, N_PEER);
  nodeFreeList = n;
  nodesLive--;
}

// ---- bit helpers (keys are 128-bit big-endian integers split in hi/lo) ----

// @ts-ignore: decorator
@inline function maskHi(cidr: u32): u64 {
  return cidr >= 64 ? u64.MAX_VALUE : ~(u64.MAX_VALUE >> cidr);
}

// @ts-ignore: decorator
@inline function maskLo(cidr: u32): u64 {
  if (cidr <= 64) return 0;
  return cidr >= 128 ? u64.MAX_VALUE : ~(u64.MAX_VALUE >> (cidr - 64));
}

// Bit number `i` counted from the most significant bit (0..127).
// @ts-ignore: decorator
@inline function bitAt(hi: u64, lo: u64, i: u32): u32 {
  return i < 64 ? <u32>(hi >> (63 - i)) & 1 : <u32>(lo >> (127 - i)) & 1;
}

// @ts-ignore: decorator
@inline function commonBits(h1: u64, l1: u64, h2: u64, l2: u64): u32 {
  const x = h1 ^ h2;
  return x != 0 ? <u32>clz(x) : 64 + <u32>clz(l1 ^ l2);
}

// @ts-ignore: decorator
@inline function matches(node: usize, hi: u64, lo: u64): bool {
  const c = <u32>load<u8>(node, N_CIDR);
  return (((hi ^ load<u64>(node, N_HI)) & maskHi(c)) | ((lo ^ load<u64>(node, N_LO)) & maskLo(c))) == 0;
}

// @ts-ignore: decorator
@inline function childAt(node: usize, bit: u32): usize {
  return load<u32>(node + N_CHILD + ((<usize>bit) << 2));
}

// @ts-ignore: decorator
@inline function setChild(node: usize, bit: u32, child: usize): void {
  store<u32>(node + N_CHILD + ((<usize>bit) << 2), <u32>child);
}

// @ts-ignore: decorator
@inline function familyIndex(family: u32): usize {
  return family == 4 ? 0 : 4;
}

// @ts-ignore: decorator
@inline function readHi(family: u32, p: usize): u64 {
  return family == 4 ? (<u64>bswap<u32>(load<u32>(p))) << 32 : bswap<u64>(load<u64>(p));
}

// @ts-ignore: decorator
@inline function readLo(family: u32, p: usize): u64 {
  return family == 4 ? 0 : bswap<u64>(load<u64>(p, 8));
}

// ---- per-peer map (open addressing, linear probing, backward-shift deletion) ----

// @ts-ignore: decorator
@inline function homeSlot(id: u32, shift: u32): u32 {
  return (id * 0x9e3779b1) >>> (32 - shift);
}

function mapFind(t: usize, id: u32): usize {
  const map = <usize>load<u32>(t, T_MAP);
  if (map == 0) return 0;
  const shift = load<u32>(t, T_MAP_SHIFT);
  const mask = (1 << shift) - 1;
  let i = homeSlot(id, shift);
  while (true) {
    const e = map + ((<usize>i) << 4);
    const eid = load<u32>(e, E_ID);
    if (eid == id) return e;
    if (eid == 0) return 0;
    i = (i + 1) & mask;
  }
  return 0;
}

// Inserts `id` (absent) into a map with room for it.
function mapAdd(t: usize, id: u32): usize {
  const map = <usize>load<u32>(t, T_MAP);
  const shift = load<u32>(t, T_MAP_SHIFT);
  const mask = (1 << shift) - 1;
  let i = homeSlot(id, shift);
  while (true) {
    const e = map + ((<usize>i) << 4);
    if (load<u32>(e, E_ID) == 0) {
      store<u32>(e, id, E_ID);
      store<u32>(e, 0, E_HEAD);
      store<u32>(e, 0, E_TAIL);
      store<u32>(e, 0, E_COUNT);
      store<u32>(t, load<u32>(t, T_MAP_USED) + 1, T_MAP_USED);
      return e;
    }
    i = (i + 1) & mask;
  }
  return 0;
}

function mapDelete(t: usize, e: usize): void {
  const map = <usize>load<u32>(t, T_MAP);
  const shift = load<u32>(t, T_MAP_SHIFT);
  const mask = (1 << shift) - 1;
  let hole = <u32>((e - map) >> 4);
  let j = hole;
  while (true) {
    j = (j + 1) & mask;
    const ej = map + ((<usize>j) << 4);
    const id = load<u32>(ej, E_ID);
    if (id == 0) break;
    const home = homeSlot(id, shift);
    // Move ej into the hole unless its home lies cyclically in (hole, j].
    const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (!stays) {
      memory.copy(map + ((<usize>hole) << 4), ej, 16);
      hole = j;
    }
  }
  store<u32>(map + ((<usize>hole) << 4), 0, E_ID);
  store<u32>(t, load<u32>(t, T_MAP_USED) - 1, T_MAP_USED);
}

// Makes room for one more peer (load factor at most 1/2).
function mapReserve(t: usize): void {
  const map = <usize>load<u32>(t, T_MAP);
  const used = load<u32>(t, T_MAP_USED);
  const shift = load<u32>(t, T_MAP_SHIFT);
  if (map != 0 && (used + 1) << 1 <= (<u32>1) << shift) return;
  const newShift = map == 0 ? MAP_MIN_SHIFT : shift + 1;
  const bytesClass = newShift + 4;
  const fresh = blockAlloc(bytesClass);
  memory.fill(fresh, 0, (<usize>1) << bytesClass);
  store<u32>(t, <u32>fresh, T_MAP);
  store<u32>(t, newShift, T_MAP_SHIFT);
  store<u32>(t, 0, T_MAP_USED);
  if (map == 0) return;
  const oldCap = (<usize>1) << shift;
  for (let i: usize = 0; i < oldCap; i++) {
    const e = map + (i << 4);
    const id = load<u32>(e, E_ID);
    if (id == 0) continue;
    const ne = mapAdd(t, id);
    memory.copy(ne, e, 16);
    // The nodes' lists are unchanged; only the entry moved.
  }
  blockRelease(map, shift + 4);
}

// ---- a peer's ordered list of prefixes ----

function listAppend(t: usize, node: usize, peer: u32): void {
  let e = mapFind(t, peer);
  if (e == 0) e = mapAdd(t, peer);
  const tail = <usize>load<u32>(e, E_TAIL);
  store<u32>(node, <u32>tail, N_PREV);
  store<u32>(node, 0, N_NEXT);
  if (tail != 0) store<u32>(tail, <u32>node, N_NEXT);
  else store<u32>(e, <u32>node, E_HEAD);
  store<u32>(e, <u32>node, E_TAIL);
  store<u32>(e, load<u32>(e, E_COUNT) + 1, E_COUNT);
}

function listRemove(t: usize, node: usize): void {
  const e = mapFind(t, load<u32>(node, N_PEER));
  const prev = <usize>load<u32>(node, N_PREV);
  const next = <usize>load<u32>(node, N_NEXT);
  if (prev != 0) store<u32>(prev, <u32>next, N_NEXT);
  else store<u32>(e, <u32>next, E_HEAD);
  if (next != 0) store<u32>(next, <u32>prev, N_PREV);
  else store<u32>(e, <u32>prev, E_TAIL);
  store<u32>(node, 0, N_NEXT);
  store<u32>(node, 0, N_PREV);
  const count = load<u32>(e, E_COUNT) - 1;
  store<u32>(e, count, E_COUNT);
  if (count == 0) mapDelete(t, e);
}

// ---- directory maintenance ----

// @ts-ignore: decorator
@inline function setSlots(dir: usize, base: u32, len: u32, peer: u32, node: usize): void {
  const value = (<u64>peer) | ((<u64>node) << 32);
  const end = dir + (((<usize>base) + ((<usize>1) << (DIR_BITS - len))) << 3);
  for (let p = dir + ((<usize>base) << 3); p < end; p += 8) store<u64>(p, value);
}

// Recomputes the slots base .. base + 2^(16-len) - 1 (the slots whose first `len`
// bits equal those of `base`), given that every one of them reaches trie position
// `pos` with `best` as the best peer so far.
function fill(dir: usize, pos: usize, best: u32, base: u32, len: u32): void {
  while (true) {
    if (pos == 0) {
      setSlots(dir, base, len, best, 0);
      return;
    }
    const c = <u32>load<u8>(pos, N_CIDR);
    const top = <u32>(load<u64>(pos, N_HI) >> 48);
    const m = c < len ? c : len;
    // Do the node's first min(c, len) bits agree with the range? (top, base < 2^16.)
    if (((top ^ base) >> (DIR_BITS - m)) != 0) {
      setSlots(dir, base, len, best, 0);
      return;
    }
    if (c >= DIR_BITS) {
      // The walk leaves the directory here; only the slot of the node's own first
      // 16 bits can still match it.
      setSlots(dir, base, len, best, 0);
      store<u64>(dir + ((<usize>top) << 3), (<u64>best) | ((<u64>pos) << 32));
      return;
    }
    const p = load<u32>(pos, N_PEER);
    const nextBest = p != 0 ? p : best;
    if (c < len) {
      // Every slot in the range takes the same branch.
      pos = childAt(pos, (base >> (DIR_BITS - 1 - c)) & 1);
      best = nextBest;
      continue;
    }
    // The node is inside the range: slots outside its prefix stop here.
    if (c > len) setSlots(dir, base, len, best, 0);
    fill(dir, childAt(pos, 0), nextBest, top, c + 1);
    pos = childAt(pos, 1);
    best = nextBest;
    base = top | (1 << (DIR_BITS - 1 - c));
    len = c + 1;
  }
}

// @ts-ignore: decorator
@inline function topBits(hi: u64, len: u32): u32 {
  return <u32>(hi >> 48) & ((0xffff << (DIR_BITS - len)) & 0xffff);
}

function refresh(t: usize, fi: usize, hi: u64, len: u32): void {
  const dir = <usize>load<u32>(t + T_DIR + fi);
  if (dir == 0) return;
  fill(dir, <usize>load<u32>(t + T_ROOT + fi), 0, topBits(hi, len), len);
}

// Brings the directory up to date after the subtree at one trie position changed.
// `above` is the node over that position (0 for the root), `now` the node it holds
// after the change (maybe 0), `hi`/`cidr` the prefix of the node at the top of the
// change (before or after). Only slots inside that prefix can see a difference; if
// `above` is /16 or longer no slot's walk gets that far; if the prefix is /16 or
// longer exactly one slot reaches the position and only its resume node changes.
function afterChange(t: usize, fi: usize, above: usize, now: usize, hi: u64, cidr: u32): void {
  const dir = <usize>load<u32>(t + T_DIR + fi);
  if (dir == 0) return;
  if (above != 0 && <u32>load<u8>(above, N_CIDR) >= DIR_BITS) return;
  if (cidr >= DIR_BITS) {
    const slot = dir + ((<usize>(hi >>> 48)) << 3);
    store<u64>(slot, (load<u64>(slot) & 0xffffffff) | ((<u64>now) << 32));
    return;
  }
  fill(dir, <usize>load<u32>(t + T_ROOT + fi), 0, topBits(hi, cidr), cidr);
}

// ---- trie mutation ----

function replaceChild(t: usize, fi: usize, parent: usize, old: usize, fresh: usize): void {
  if (parent == 0) store<u32>(t + T_ROOT + fi, <u32>fresh);
  else if (load<u32>(parent, N_CHILD) == <u32>old) store<u32>(parent, <u32>fresh, N_CHILD);
  else store<u32>(parent, <u32>fresh, N_CHILD + 4);
  if (fresh != 0) store<u32>(fresh, <u32>parent, N_PARENT);
}

function countAdd(t: usize, fi: usize, delta: i32): void {
  store<u32>(t + T_COUNT + fi, <u32>(<i32>load<u32>(t + T_COUNT + fi) + delta));
}

// Gives `node` (already in the trie) the peer `peer`; keeps its list position when unchanged.
function setPeer(t: usize, fi: usize, node: usize, peer: u32): void {
  const old = load<u32>(node, N_PEER);
  if (old == peer) return;
  if (old != 0) listRemove(t, node);
  else countAdd(t, fi, 1);
  store<u32>(node, peer, N_PEER);
  listAppend(t, node, peer);
}

// Where a descent for a prefix of `cidr` bits may start: the node its directory
// slot resumes at, when cidr >= 16 (the nodes above it are all shorter than /16
// and on the key's path), otherwise the root.
// @ts-ignore: decorator
@inline function descentStart(t: usize, fi: usize, hi: u64, cidr: u32): usize {
  if (cidr >= DIR_BITS) {
    const dir = <usize>load<u32>(t + T_DIR + fi);
    if (dir != 0) {
      const node = <usize>(load<u64>(dir + ((<usize>(hi >>> 48)) << 3)) >>> 32);
      if (node != 0) return node;
    }
  }
  return <usize>load<u32>(t + T_ROOT + fi);
}

function insertKey(t: usize, family: u32, hi: u64, lo: u64, cidr: u32, peer: u32): i32 {
  const fi = familyIndex(family);
  hi &= maskHi(cidr);
  lo &= maskLo(cidr);
  reserveNodes();
  mapReserve(t);
  let dir = <usize>load<u32>(t + T_DIR + fi);
  if (dir == 0) {
    dir = blockAlloc(DIR_CLASS);
    store<u32>(t + T_DIR + fi, <u32>dir);
    setSlots(dir, 0, 0, 0, 0);
  }

  let node = descentStart(t, fi, hi, cidr);
  let parent = node != 0 ? <usize>load<u32>(node, N_PARENT) : 0;
  while (node != 0) {
    const c = <u32>load<u8>(node, N_CIDR);
    if (c > cidr || !matches(node, hi, lo)) break;
    if (c == cidr) {
      const isNew = load<u32>(node, N_PEER) == 0;
      setPeer(t, fi, node, peer);
      if (c < DIR_BITS) refresh(t, fi, hi, c);
      return isNew ? 1 : 0;
    }
    parent = node;
    node = childAt(node, bitAt(hi, lo, c));
  }

  const fresh = nodeAlloc(hi, lo, cidr, family);
  let top = cidr; // length of the node now at the changed position
  if (node == 0) {
    if (parent == 0) store<u32>(t + T_ROOT + fi, <u32>fresh);
    else setChild(parent, bitAt(hi, lo, <u32>load<u8>(parent, N_CIDR)), fresh);
    store<u32>(fresh, <u32>parent, N_PARENT);
  } else {
    const nc = <u32>load<u8>(node, N_CIDR);
    let split = commonBits(hi, lo, load<u64>(node, N_HI), load<u64>(node, N_LO));
    if (split > cidr) split = cidr;
    if (split > nc) split = nc;
    if (split == cidr) {
      // The new prefix contains `node`: it takes node's place and adopts it.
      replaceChild(t, fi, parent, node, fresh);
      setChild(fresh, bitAt(load<u64>(node, N_HI), load<u64>(node, N_LO), cidr), node);
      store<u32>(node, <u32>fresh, N_PARENT);
    } else {
      // They diverge at bit `split`: a branch node joins them.
      const branch = nodeAlloc(hi & maskHi(split), lo & maskLo(split), split, family);
      top = split;
      replaceChild(t, fi, parent, node, branch);
      const b = bitAt(hi, lo, split);
      setChild(branch, b, fresh);
      setChild(branch, b ^ 1, node);
      store<u32>(fresh, <u32>branch, N_PARENT);
      store<u32>(node, <u32>branch, N_PARENT);
    }
  }
  countAdd(t, fi, 1);
  store<u32>(fresh, peer, N_PEER);
  listAppend(t, fresh, peer);
  afterChange(t, fi, parent, top == cidr ? fresh : <usize>load<u32>(fresh, N_PARENT), hi, top);
  return 1;
}

// Takes the peer away from `node` and restores the trie's shape invariant.
function removeNode(t: usize, node: usize): void {
  const family = <u32>load<u8>(node, N_FAMILY);
  const fi = familyIndex(family);
  const hi = load<u64>(node, N_HI);
  const c = <u32>load<u8>(node, N_CIDR);
  listRemove(t, node);
  store<u32>(node, 0, N_PEER);
  countAdd(t, fi, -1);

  const c0 = <usize>load<u32>(node, N_CHILD);
  const c1 = <usize>load<u32>(node, N_CHILD + 4);
  if (c0 != 0 && c1 != 0) {
    // Stays as a branch point.
    if (c < DIR_BITS) refresh(t, fi, hi, c);
    return;
  }
  const parent = <usize>load<u32>(node, N_PARENT);
  if (c0 != 0 || c1 != 0) {
    replaceChild(t, fi, parent, node, c0 | c1);
    nodeRelease(node);
    afterChange(t, fi, parent, c0 | c1, hi, c);
    return;
  }
  replaceChild(t, fi, parent, node, 0);
  nodeRelease(node);
  if (parent != 0 && load<u32>(parent, N_PEER) == 0) {
    // The parent was a branch point and has one child left: splice it out.
    const other = <usize>(load<u32>(parent, N_CHILD) | load<u32>(parent, N_CHILD + 4));
    const grand = <usize>load<u32>(parent, N_PARENT);
    const pc = <u32>load<u8>(parent, N_CIDR);
    replaceChild(t, fi, grand, parent, other);
    nodeRelease(parent);
    afterChange(t, fi, grand, other, hi, pc);
  } else {
    afterChange(t, fi, parent, 0, hi, c);
  }
}

function findExact(t: usize, family: u32, hi: u64, lo: u64, cidr: u32): usize {
  let node = descentStart(t, familyIndex(family), hi, cidr);
  while (node != 0) {
    const c = <u32>load<u8>(node, N_CIDR);
    if (c > cidr || !matches(node, hi, lo)) return 0;
    if (c == cidr) return node;
    node = childAt(node, bitAt(hi, lo, c));
  }
  return 0;
}

function freeSubtree(root: usize): void {
  let n = root;
  while (n != 0) {
    const c0 = <usize>load<u32>(n, N_CHILD);
    if (c0 != 0) {
      n = c0;
      continue;
    }
    const c1 = <usize>load<u32>(n, N_CHILD + 4);
    if (c1 != 0) {
      n = c1;
      continue;
    }
    const parent = <usize>load<u32>(n, N_PARENT);
    if (parent != 0) {
      if (<usize>load<u32>(parent, N_CHILD) == n) store<u32>(parent, 0, N_CHILD);
      else store<u32>(parent, 0, N_CHILD + 4);
    }
    nodeRelease(n);
    n = parent;
  }
}

// ---- lookup ----

// @ts-ignore: decorator
@inline function lookup4(t: usize, addr: u32): u32 {
  const dir = <usize>load<u32>(t, T_DIR);
  if (dir == 0) return 0;
  const slot = load<u64>(dir + ((<usize>(addr >>> 16)) << 3));
  let found = <u32>slot;
  let node = <usize>(slot >>> 32);
  const hi = (<u64>addr) << 32;
  while (node != 0) {
    const c = <u32>load<u8>(node, N_CIDR);
    if (((hi ^ load<u64>(node, N_HI)) & ~(u64.MAX_VALUE >> c)) != 0) break;
    const p = load<u32>(node, N_PEER);
    found = select<u32>(p, found, p != 0);
    // For a /32 this reads bit 32 of hi, which is 0, and a /32 has no children.
    node = load<u32>(node + N_CHILD + ((<usize>(hi >> (63 - c)) & 1) << 2));
  }
  return found;
}

// @ts-ignore: decorator
@inline function lookup6(t: usize, hi: u64, lo: u64): u32 {
  const dir = <usize>load<u32>(t, T_DIR + 4);
  if (dir == 0) return 0;
  const slot = load<u64>(dir + ((<usize>(hi >>> 48)) << 3));
  let found = <u32>slot;
  let node = <usize>(slot >>> 32);
  while (node != 0) {
    const c = <u32>load<u8>(node, N_CIDR);
    if ((((hi ^ load<u64>(node, N_HI)) & maskHi(c)) | ((lo ^ load<u64>(node, N_LO)) & maskLo(c))) != 0) break;
    const p = load<u32>(node, N_PEER);
    found = select<u32>(p, found, p != 0);
    // A /128 has no children, whichever bit this picks.
    node = load<u32>(node + N_CHILD + ((<usize>bitAt(hi, lo, c)) << 2));
  }
  return found;
}

// @ts-ignore: decorator
@inline function lookupPacket(t: usize, p: usize, len: u32, source: bool): u32 {
  if (len == 0) return 0;
  const version = <u32>load<u8>(p) >> 4;
  if (version == 4) {
    if (len < 20) return 0;
    return lookup4(t, bswap<u32>(load<u32>(p + (source ? 12 : 16))));
  }
  if (version == 6) {
    if (len < 40) return 0;
    const a = p + (source ? 8 : 24);
    return lookup6(t, bswap<u64>(load<u64>(a)), bswap<u64>(load<u64>(a, 8)));
  }
  return 0;
}

// @ts-ignore: decorator
@inline function liveTable(t: usize): bool {
  return t != 0 && (t & 15) == 0 && load<u32>(t, T_MAGIC) == TABLE_MAGIC;
}

// @ts-ignore: decorator
@inline function validPrefix(family: u32, cidr: u32): bool {
  return (family == 4 && cidr <= 32) || (family == 6 && cidr <= 128);
}

// ================= exports =================

/** Scratch area (2 KiB) for addresses and list records passed to and from the host. */
export function allowedips_scratch(): usize {
  return SCRATCH;
}

/** A new empty table; returns its handle. */
export function allowedips_create(): usize {
  const t = blockAlloc(TABLE_CLASS);
  memory.fill(t, 0, (<usize>1) << TABLE_CLASS);
  store<u32>(t, TABLE_MAGIC, T_MAGIC);
  return t;
}

/** Removes every prefix; the table keeps no memory beyond its 64-byte header. */
export function allowedips_clear(t: usize): i32 {
  if (!liveTable(t)) return ERR_TABLE;
  for (let fi: usize = 0; fi < 8; fi += 4) {
    freeSubtree(<usize>load<u32>(t + T_ROOT + fi));
    store<u32>(t + T_ROOT + fi, 0);
    store<u32>(t + T_COUNT + fi, 0);
    const dir = <usize>load<u32>(t + T_DIR + fi);
    if (dir != 0) blockRelease(dir, DIR_CLASS);
    store<u32>(t + T_DIR + fi, 0);
  }
  const map = <usize>load<u32>(t, T_MAP);
  if (map != 0) blockRelease(map, load<u32>(t, T_MAP_SHIFT) + 4);
  store<u32>(t, 0, T_MAP);
  store<u32>(t, 0, T_MAP_SHIFT);
  store<u32>(t, 0, T_MAP_USED);
  return 0;
}

/** Frees the table; its handle must not be used again. */
export function allowedips_destroy(t: usize): i32 {
  if (allowedips_clear(t) < 0) return ERR_TABLE;
  store<u32>(t, 0, T_MAGIC);
  blockRelease(t, TABLE_CLASS);
  return 0;
}

/**
 * Maps prefix addr/cidr to `peer` (family 4 or 6; the address is 4 or 16 bytes at
 * `addr`, in network order, and is masked to cidr bits). Returns 1 when the prefix
 * is new, 0 when it existed (its peer is replaced), or a negative error.
 */
export function allowedips_insert(t: usize, family: u32, addr: usize, cidr: u32, peer: u32): i32 {
  if (!liveTable(t)) return ERR_TABLE;
  if (!validPrefix(family, cidr) || peer == 0 || peer > PEER_MAX) return ERR_ARGUMENT;
  return insertKey(t, family, readHi(family, addr), readLo(family, addr), cidr, peer);
}

/**
 * Removes prefix addr/cidr. With `peer` nonzero, only when that peer owns it
 * (`wg set … allowed-ips -prefix`). Returns 1 when removed, 0 when absent.
 */
export function allowedips_remove(t: usize, family: u32, addr: usize, cidr: u32, peer: u32): i32 {
  if (!liveTable(t)) return ERR_TABLE;
  if (!validPrefix(family, cidr)) return ERR_ARGUMENT;
  const hi = readHi(family, addr) & maskHi(cidr);
  const lo = readLo(family, addr) & maskLo(cidr);
  const node = findExact(t, family, hi, lo, cidr);
  if (node == 0) return 0;
  const owner = load<u32>(node, N_PEER);
  if (owner == 0 || (peer != 0 && owner != peer)) return 0;
  removeNode(t, node);
  return 1;
}

/** Removes every prefix of `peer`; returns how many. */
export function allowedips_remove_peer(t: usize, peer: u32): i32 {
  if (!liveTable(t)) return ERR_TABLE;
  if (peer == 0) return 0;
  let removed: i32 = 0;
  let e = mapFind(t, peer);
  while (e != 0) {
    removeNode(t, <usize>load<u32>(e, E_HEAD));
    removed++;
    e = mapFind(t, peer); // the entry may have moved or gone
  }
  return removed;
}

/** The peer of the longest prefix containing the address at `addr` (4 or 16 bytes), or 0. */
export function allowedips_lookup(t: usize, family: u32, addr: usize): u32 {
  if (family == 4) return lookup4(t, bswap<u32>(load<u32>(addr)));
  if (family == 6) return lookup6(t, bswap<u64>(load<u64>(addr)), bswap<u64>(load<u64>(addr, 8)));
  return 0;
}

/** Looks up `count` packed addresses of one family (4 or 16 bytes each); writes u32 peers (0 = none) to `out`. */
export function allowedips_lookup_addresses(t: usize, family: u32, addrs: usize, count: u32, out: usize): void {
  if (family == 4) {
    for (let i: usize = 0; i < <usize>count; i++) {
      store<u32>(out + (i << 2), lookup4(t, bswap<u32>(load<u32>(addrs + (i << 2)))));
    }
  } else {
    for (let i: usize = 0; i < <usize>count; i++) {
      const a = addrs + (i << 4);
      store<u32>(out + (i << 2), lookup6(t, bswap<u64>(load<u64>(a)), bswap<u64>(load<u64>(a, 8))));
    }
  }
}

/**
 * Routes a batch of IP packets laid out `stride` bytes apart from `base`, with their
 * lengths as u32 at `lengths`. `source` 0 looks up destinations (outbound routing),
 * 1 sources (the inbound check). Writes one u32 peer per packet to `out`; 0 for no
 * match, a version other than 4 or 6, or a packet shorter than its fixed header.
 */
export function allowedips_lookup_strided(
  t: usize,
  base: usize,
  stride: u32,
  lengths: usize,
  count: u32,
  source: u32,
  out: usize,
): void {
  const fromSource = source != 0;
  let p = base;
  for (let i: usize = 0; i < <usize>count; i++) {
    store<u32>(out + (i << 2), lookupPacket(t, p, load<u32>(lengths + (i << 2)), fromSource));
    p += <usize>stride;
  }
}

/** As allowedips_lookup_strided, for packets at the u32 pointers in `offsets`. */
export function allowedips_lookup_packets(
  t: usize,
  offsets: usize,
  lengths: usize,
  count: u32,
  source: u32,
  out: usize,
): void {
  const fromSource = source != 0;
  for (let i: usize = 0; i < <usize>count; i++) {
    const p = <usize>load<u32>(offsets + (i << 2));
    store<u32>(out + (i << 2), lookupPacket(t, p, load<u32>(lengths + (i << 2)), fromSource));
  }
}

/** Number of prefixes of one family (4 or 6). */
export function allowedips_count(t: usize, family: u32): i32 {
  if (!liveTable(t)) return ERR_TABLE;
  return <i32>load<u32>(t + T_COUNT + familyIndex(family));
}

/** Number of prefixes owned by `peer`. */
export function allowedips_peer_count(t: usize, peer: u32): i32 {
  if (!liveTable(t)) return ERR_TABLE;
  const e = mapFind(t, peer);
  return e == 0 ? 0 : <i32>load<u32>(e, E_COUNT);
}

/** The first of a peer's prefixes in insertion order (a list cursor), or 0. */
export function allowedips_list_first(t: usize, peer: u32): usize {
  if (!liveTable(t) || peer == 0) return 0;
  const e = mapFind(t, peer);
  return e == 0 ? 0 : <usize>load<u32>(e, E_HEAD);
}

/**
 * Writes up to `max` records of 20 bytes (family, cidr, 0, 0, 16 address bytes; an
 * IPv4 address fills the first 4) for the list from `cursor` on, followed by a
 * record with family 0 when the list ends first. Returns the cursor to continue
 * from, or 0. The table must not change between calls.
 */
export function allowedips_list_read(cursor: usize, out: usize, max: u32): usize {
  let node = cursor;
  let p = out;
  for (let i: u32 = 0; i < max && node != 0; i++) {
    const family = <u32>load<u8>(node, N_FAMILY);
    store<u32>(p, family | ((<u32>load<u8>(node, N_CIDR)) << 8));
    if (family == 4) {
      store<u32>(p, bswap<u32>(<u32>(load<u64>(node, N_HI) >> 32)), 4);
      memory.fill(p + 8, 0, 12);
    } else {
      store<u64>(p, bswap<u64>(load<u64>(node, N_HI)), 4);
      store<u64>(p, bswap<u64>(load<u64>(node, N_LO)), 12);
    }
    p += LIST_RECORD;
    node = <usize>load<u32>(node, N_NEXT);
  }
  if (node == 0 && p < out + <usize>max * LIST_RECORD) store<u32>(p, 0);
  return node;
}

/**
 * A buffer of at least `bytes` bytes in linear memory, 16-byte aligned, for
 * packets, addresses or results handed to the lookup functions. Free it with
 * allowedips_buffer_free; memory is recycled by power-of-two size class.
 */
export function allowedips_buffer_alloc(bytes: u32): usize {
  const need = <usize>bytes + 16;
  const k: u32 = max<u32>(6, 32 - <u32>clz<u32>(<u32>need - 1));
  if (k > 30) return 0;
  const p = blockAlloc(k);
  store<u32>(p, k);
  return p + 16;
}

export function allowedips_buffer_free(p: usize): void {
  if (p == 0) return;
  blockRelease(p - 16, load<u32>(p - 16));
}

/** Nodes in use across all tables (prefixes plus branch points). */
export function allowedips_nodes_live(): u32 {
  return nodesLive;
}

/** Nodes ever obtained from the heap (in use, free, or not yet handed out). */
export function allowedips_nodes_reserved(): u32 {
  return nodesReserved;
}

/**
 * Audits a table (for tests): parent links, masked keys, strictly growing prefix
 * lengths, branch points with two children, per-family prefix counts, peer lists,
 * and every directory slot against a walk from the root. Returns 0 when sound,
 * otherwise a positive code naming the first broken rule.
 */
export function allowedips_check(t: usize): i32 {
  if (!liveTable(t)) return ERR_TABLE;
  let listed: u32 = 0;
  for (let fi: usize = 0; fi < 8; fi += 4) {
    const family: u32 = fi == 0 ? 4 : 6;
    const maxBits: u32 = fi == 0 ? 32 : 128;
    const root = <usize>load<u32>(t + T_ROOT + fi);
    if (root != 0 && load<u32>(root, N_PARENT) != 0) return 1;
    let prefixes: u32 = 0;
    // Pre-order walk using parent links.
    let n = root;
    let from: usize = 0;
    while (n != 0) {
      const parent = <usize>load<u32>(n, N_PARENT);
      const c0 = <usize>load<u32>(n, N_CHILD);
      const c1 = <usize>load<u32>(n, N_CHILD + 4);
      if (from == parent) {
        // First visit.
        const c = <u32>load<u8>(n, N_CIDR);
        if (<u32>load<u8>(n, N_FAMILY) != family || c > maxBits) return 2;
        const hi = load<u64>(n, N_HI);
        const lo = load<u64>(n, N_LO);
        if ((hi & ~maskHi(c)) != 0 || (lo & ~maskLo(c)) != 0) return 3;
        if (family == 4 && (hi & 0xffffffff) != 0) return 3;
        if (parent != 0) {
          const pc = <u32>load<u8>(parent, N_CIDR);
          if (c <= pc || !matches(parent, hi, lo)) return 4;
          if (childAt(parent, bitAt(hi, lo, pc)) != n) return 5;
        }
        const peer = load<u32>(n, N_PEER);
        if (peer == 0 && (c0 == 0 || c1 == 0)) return 6;
        if (peer != 0) {
          prefixes++;
          if (mapFind(t, peer) == 0) return 7;
        }
        if (c0 != 0 && <usize>load<u32>(c0, N_PARENT) != n) return 8;
        if (c1 != 0 && <usize>load<u32>(c1, N_PARENT) != n) return 8;
      }
      // Next step of the walk.
      let next: usize;
      if (from == parent) next = c0 != 0 ? c0 : c1 != 0 ? c1 : parent;
      else if (from == c0 && c1 != 0) next = c1;
      else next = parent;
      from = n;
      n = next;
    }
    if (prefixes != load<u32>(t + T_COUNT + fi)) return 9;
    listed += prefixes;
    const dir = <usize>load<u32>(t + T_DIR + fi);
    if (root != 0 && dir == 0) return 10;
    if (dir != 0) {
      for (let s: u32 = 0; s < 65536; s++) {
        let best: u32 = 0;
        let pos = root;
        const hi = (<u64>s) << 48;
        while (pos != 0) {
          const c = <u32>load<u8>(pos, N_CIDR);
          if (c >= DIR_BITS) {
            if (<u32>(load<u64>(pos, N_HI) >> 48) != s) pos = 0;
            break;
          }
          if (!matches(pos, hi, 0)) {
            pos = 0;
            break;
          }
          const p = load<u32>(pos, N_PEER);
          if (p != 0) best = p;
          pos = childAt(pos, bitAt(hi, 0, c));
        }
        if (load<u64>(dir + ((<usize>s) << 3)) != ((<u64>best) | ((<u64>pos) << 32))) return 11;
      }
    }
  }
  // Every listed node belongs to its peer and the counts add up.
  const map = <usize>load<u32>(t, T_MAP);
  let total: u32 = 0;
  let used: u32 = 0;
  if (map != 0) {
    const cap = (<usize>1) << load<u32>(t, T_MAP_SHIFT);
    for (let i: usize = 0; i < cap; i++) {
      const e = map + (i << 4);
      const id = load<u32>(e, E_ID);
      if (id == 0) continue;
      used++;
      let count: u32 = 0;
      let prev: usize = 0;
      let n = <usize>load<u32>(e, E_HEAD);
      while (n != 0) {
        if (load<u32>(n, N_PEER) != id || <usize>load<u32>(n, N_PREV) != prev) return 12;
        count++;
        prev = n;
        n = <usize>load<u32>(n, N_NEXT);
      }
      if (prev != <usize>load<u32>(e, E_TAIL) || count != load<u32>(e, E_COUNT) || count == 0) return 13;
      total += count;
    }
  }
  if (total != listed || used != load<u32>(t, T_MAP_USED)) return 14;
  return 0;
}
