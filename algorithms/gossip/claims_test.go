package gossip_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlab/compare"
)

// The comparison is a function of its seed list: the same seeds print the
// same tables, whatever order the runs were scheduled in.
func TestCompareIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every claim")
	}
	opts := compare.Options{Sizes: []int{40}, Seeds: 3, Seed: 7}
	var a, b bytes.Buffer
	require.NoError(t, compare.Print(&a, "gossip", opts))
	require.NoError(t, compare.Print(&b, "gossip", opts))
	assert.Equal(t, a.String(), b.String())
	for _, want := range []string{"one update spreads", "rumor residue", "infect and die",
		"gossip k=1", "anti-entropy push-pull", "log2 n + ln n", "log3 n + O(log log n)",
		"s = e^(−(k+1)(1−s))", "e^(−e^(−c))", `the seed: "a few periods"`, "±"} {
		assert.Contains(t, a.String(), want)
	}
}

// The measured figures sit where the literature puts them.
func TestCompareAgreesWithTheLiterature(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every claim")
	}
	tab, err := compare.Measure("gossip", compare.Options{Sizes: []int{200}, Seeds: 12})
	require.NoError(t, err)
	rows := map[string]compare.Row{}
	for _, sec := range tab.Sections {
		for _, r := range sec.Rows {
			rows[r.Algorithm] = r
		}
	}
	push := math.Log2(200) + math.Log(200) // 12.9
	assert.InDelta(t, push, rows["gossip k=1"].Values["rounds"], 2, "push: log2 n + ln n")
	assert.Equal(t, rows["gossip k=1"].Values["rounds"], rows["anti-entropy push"].Values["rounds"],
		"the same random peers, the same rounds: only the messages differ")
	assert.Less(t, rows["anti-entropy push-pull"].Values["rounds"], rows["anti-entropy pull"].Values["rounds"])
	assert.Less(t, rows["anti-entropy pull"].Values["rounds"], rows["anti-entropy push"].Values["rounds"])
	assert.Less(t, rows["gossip k=3"].Values["rounds"], rows["gossip k=1"].Values["rounds"])
	assert.Equal(t, 199.0, rows["tree branching 4"].Values["msgs"], "a tree: n−1 messages")
	assert.Equal(t, 199.0*199, rows["flood total"].Values["msgs"], "flood: (n−1)²")
	for k, s := range map[string]float64{"1": 0.2032, "2": 0.0595, "3": 0.0198} {
		got := rows["rumor feedback coin k="+k].Values["residue"]
		assert.InDelta(t, s, got, s/2+0.01, "feedback/coin residue at k=%s", k)
	}
	for _, r := range rows {
		if f, ok := strings.CutPrefix(r.Algorithm, "rumor f="); ok {
			c := float64(f[0]-'0') - math.Log(200)
			assert.InDelta(t, math.Exp(-math.Exp(-c)), r.Values["P(all)"], 0.3, r.Algorithm)
		}
	}
}
