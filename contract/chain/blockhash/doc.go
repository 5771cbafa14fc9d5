// Package blockhash is the chain family's hashing: what a block's hash is,
// when it meets a proof-of-work target, and the same for real Bitcoin
// headers, so that a student can check a historical block by hand.
//
// # distlab's header encoding
//
// A distlab block hash is one SHA-256 over this byte string (integers
// big-endian, hashes as their 32 raw bytes):
//
//	offset size  field
//	0      1     version, always 1
//	1      8     height (int64)
//	9      32    parent: the parent's hash (32 zero bytes for genesis)
//	41     8     time: the producer's clock in milliseconds (int64)
//	49     2     length of the producer's name (uint16)
//	51     len   producer's name (UTF-8)
//	…      8     slot (int64; PoS and DPoS, 0 for PoW)
//	…      4     bits: the proof-of-work target in Bitcoin's compact form (uint32; 0 outside PoW)
//	…      32    root: SHA-256 of the block's body (transactions, evidence)
//	…      8     nonce (uint64), last, so a miner rewrites only the tail
//
// Proof of work: the hash, read as a 256-bit big-endian number, must be
// below the target. With target 2^(256−4k) that is exactly "the first k
// hex digits of the hash are 0" (expected 16^k tries); with 2^(256−k),
// "the first k bits are 0" (2^k tries). The course's puzzle says "the
// first k values": which unit it means is a parameter (TargetForZeros).
//
// # Bitcoin's header
//
// BitcoinHeader is the real 80-byte header (version, previous block hash,
// Merkle root, time, bits, nonce; integers little-endian), hashed with
// SHA-256 twice. Bitcoin shows hashes byte-reversed ("little-endian
// display"), which is why a mined block's hash starts with zeros on a
// block explorer while the bytes the hash function returned end with them:
//
//	h, _ := blockhash.ParseBitcoinHeader(raw80)
//	fmt.Println(blockhash.Display(h.Hash()), h.MeetsTarget())
package blockhash
