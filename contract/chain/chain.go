// Package chain is the chain family's contract: what a block and a
// transaction are (their hashes come from blockhash), the marks that PoW,
// PoS and DPoS nodes record, and that the chain checkers read.
//
// Every server records a participant mark and a genesis mark when it
// starts; a block mark for every block it produces (withheld or not); a
// tip mark whenever its best chain changes; DPoS nodes an irreversible mark
// when their last irreversible block moves and an elected mark when a new
// delegate set takes over. Clients record tx-submit when they send a
// transaction. The checkers rebuild the block tree from the block marks
// and follow each honest node's chain through its tip marks.
package chain

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"distlab/contract"
	"distlab/contract/chain/blockhash"
)

// Protocols.
const (
	PoW  = "pow"
	PoS  = "pos"
	DPoS = "dpos"
)

// Roles: honest, or one of the adversaries.
const (
	Honest      = "honest"
	DoubleSpend = "double-spend" // a private chain race after the merchant's z confirmations
	Selfish     = "selfish"      // Eyal and Sirer's selfish mining
	Equivocate  = "equivocate"   // PoS: signs two blocks for one slot (nothing at stake)
	Forge       = "forge"        // sends invalid blocks (for the validation lab)
)

// Roles lists the valid roles, honest first.
var Roles = []string{Honest, DoubleSpend, Selfish, Equivocate, Forge}

// Tx is a transfer of Amount from account From to To. An account's
// transactions carry the nonces 1, 2, 3 … in order, none skipped: a
// second transaction with a nonce already used is a conflicting spend. A DPoS
// vote is a transaction with Approve set and no amount: the sender's stake
// now approves those delegates (replacing its earlier vote).
type Tx struct {
	ID      string   `json:"id"`
	From    string   `json:"from"`
	To      string   `json:"to,omitempty"`
	Amount  int64    `json:"amount,omitempty"`
	Nonce   int64    `json:"nonce"`
	Approve []string `json:"approve,omitempty"`
}

// ComputeID is the transaction's id: the first 8 bytes of SHA-256 over
// its fields, in hex.
func (t *Tx) ComputeID() string {
	var buf []byte
	buf = appendString(buf, t.From)
	buf = appendString(buf, t.To)
	buf = binary.BigEndian.AppendUint64(buf, uint64(t.Amount))
	buf = binary.BigEndian.AppendUint64(buf, uint64(t.Nonce))
	for _, a := range t.Approve {
		buf = appendString(buf, a)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:8])
}

// IsVote reports whether the transaction is a DPoS vote.
func (t *Tx) IsVote() bool { return len(t.Approve) > 0 }

// Conflicts reports whether two different transactions spend the same
// nonce of the same account: at most one of them can be in a chain.
func (t *Tx) Conflicts(u *Tx) bool { return t.ID != u.ID && t.From == u.From && t.Nonce == u.Nonce }

func appendString(buf []byte, s string) []byte {
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(s)))
	return append(buf, s...)
}

// Evidence is two different headers one producer signed for one slot:
// proof of equivocation, which a PoS block can carry to have the producer
// slashed.
type Evidence struct {
	A blockhash.Header `json:"a"`
	B blockhash.Header `json:"b"`
}

// Valid reports whether the evidence proves equivocation.
func (e *Evidence) Valid() error {
	switch {
	case e.A.Producer != e.B.Producer:
		return fmt.Errorf("evidence headers have two producers (%s, %s)", e.A.Producer, e.B.Producer)
	case e.A.Slot != e.B.Slot || e.A.Slot == 0:
		return fmt.Errorf("evidence headers are for slots %d and %d, not one slot", e.A.Slot, e.B.Slot)
	case e.A.Hash() == e.B.Hash():
		return fmt.Errorf("evidence holds the same header twice")
	}
	return nil
}

// Block is a header, the hash of that header and the body the header's
// Root commits to. The simulation does not sign blocks: the Producer field
// stands for the producer's signature.
type Block struct {
	blockhash.Header
	Hash     string     `json:"hash"`
	Txs      []Tx       `json:"txs,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// BodyRoot is the SHA-256 of the body: every transaction id, then both
// header hashes of every piece of evidence.
func (b *Block) BodyRoot() string {
	h := sha256.New()
	for i := range b.Txs {
		h.Write([]byte(b.Txs[i].ID))
	}
	for i := range b.Evidence {
		h.Write([]byte(b.Evidence[i].A.Hash()))
		h.Write([]byte(b.Evidence[i].B.Hash()))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets Root from the body and Hash from the header.
func (b *Block) Seal() {
	b.Root = b.BodyRoot()
	b.Hash = b.Header.Hash()
}

// CheckSeal reports a block whose hash is not its header's or whose root
// is not its body's, or whose transactions' ids are not their own.
func (b *Block) CheckSeal() error {
	if err := b.Header.Verify(); err != nil {
		return err
	}
	for i := range b.Txs {
		if id := b.Txs[i].ComputeID(); id != b.Txs[i].ID {
			return fmt.Errorf("transaction %d's id is %s, its fields hash to %s", i, b.Txs[i].ID, id)
		}
	}
	if r := b.BodyRoot(); r != b.Root {
		return fmt.Errorf("root %.12s… does not match the body (%.12s…)", b.Root, r)
	}
	if h := b.Header.Hash(); h != b.Hash {
		return fmt.Errorf("hash %.12s… is not the header's SHA-256 (%.12s…)", b.Hash, h)
	}
	return nil
}

// ParticipantMark is who a server is.
type ParticipantMark struct {
	Protocol string `json:"protocol"`
	Role     string `json:"role"`
	// Weight is the node's hash share (PoW), stake (PoS) or 1 (DPoS).
	Weight float64 `json:"weight"`
}

// GenesisMark is the chain every server starts from and the rules it
// runs under.
type GenesisMark struct {
	Hash     string           `json:"hash"`
	Protocol string           `json:"protocol"`
	Balances map[string]int64 `json:"balances"`
	// RealHash: PoW blocks carry a real proof of work (hash below target).
	// Virtual mining draws block times instead and its hashes do not meet
	// the target.
	RealHash bool `json:"realhash,omitempty"`
	// Retarget: PoW difficulty changes every this many blocks (0: never),
	// so a block's bits equal its parent's except at those heights.
	Retarget int `json:"retarget,omitempty"`
	// DPoS: delegates per round (K), blocks per turn (m), slot length,
	// rounds between elections, and the candidates (every server).
	Delegates   int      `json:"delegates,omitempty"`
	PerTurn     int      `json:"per_turn,omitempty"`
	SlotMS      int64    `json:"slot_ms,omitempty"`
	Maintenance int      `json:"maintenance,omitempty"`
	Candidates  []string `json:"candidates,omitempty"`
}

// BlockMark is a block its producer made. Tries counts the hashes the
// producer spent on it (PoW; virtual mining counts what its hash rate did
// in the time it took). Withheld blocks are kept private for now.
type BlockMark struct {
	Block    Block `json:"block"`
	Tries    int64 `json:"tries,omitempty"`
	Withheld bool  `json:"withheld,omitempty"`
}

// TipMark is a node's new best chain. Tries counts the hashes spent on the
// abandoned template (PoW).
type TipMark struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	Tries  int64  `json:"tries,omitempty"`
}

// LIBMark is a DPoS node's last irreversible block.
type LIBMark struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
}

// ElectedMark is a DPoS delegate set taking over at a round, as the
// recording node's chain elected it.
type ElectedMark struct {
	Round     int64    `json:"round"`
	Delegates []string `json:"delegates"`
}

// AttackMark narrates an adversary: start, release, give-up, done.
type AttackMark struct {
	Phase   string `json:"phase"`
	Private int64  `json:"private"` // blocks on its private branch
	Public  int64  `json:"public"`  // blocks on the public branch since the fork
	Tx      string `json:"tx,omitempty"`
}

// The marks.
var (
	Participant = contract.Mark[ParticipantMark]{Name: "participant",
		Doc: "a server's protocol, role (honest or an adversary) and weight (hash share, stake)"}
	Genesis = contract.Mark[GenesisMark]{Name: "genesis",
		Doc: "the genesis block's hash, the initial balances and the protocol's settings"}
	Produced = contract.Mark[BlockMark]{Name: "block",
		Doc: "the node produced a block (mined, or made in its slot); withheld ones are not sent yet"}
	Tip = contract.Mark[TipMark]{Name: "tip",
		Doc: "the node's best chain now ends at this block"}
	Irreversible = contract.Mark[LIBMark]{Name: "irreversible",
		Doc: "DPoS: the node's last irreversible block (more than 2/3 of the delegates built on it)"}
	Elected = contract.Mark[ElectedMark]{Name: "elected",
		Doc: "DPoS: the delegate set for a round changed on the node's chain"}
	Submit = contract.Mark[Tx]{Name: "tx-submit",
		Doc: "a client sent a transaction to the servers"}
	Attack = contract.Mark[AttackMark]{Name: "attack",
		Doc: "an adversary's step: start, release, give-up, done"}
)

// MsgNewBlock is the message type that announces a freshly produced
// block: its send-to-delivery times are the propagation delay Δ that
// chain-cost measures.
const MsgNewBlock = "NewBlock"

// Published state keys, for the visualizer.
const (
	StateHeight = "height"
	StateTip    = "tip"
	StateLIB    = "lib"
)

// Contract lists the family's marks.
var Contract = &contract.Contract{
	Name: "chain",
	Doc:  "blockchain consensus: blocks produced, each node's best chain, irreversibility, transactions",
	Marks: []contract.MarkDef{Participant.Def(), Genesis.Def(), Produced.Def(), Tip.Def(),
		Irreversible.Def(), Elected.Def(), Submit.Def(), Attack.Def()},
}
