package batch

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxctl/wxctl/browser"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/batch/name, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(batchTestdata, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got\n%s\nwant (%s)\n%s", got, path, want)
	}
}

// cjkItems are groups whose topics and members are Chinese names and emoji,
// which take two columns each on a terminal.
func cjkItems() []*batchItem {
	rain := browser.Contact{UserName: "@0f3a9c", NickName: "Rain1ove"}
	cjk := browser.Contact{UserName: "@7b21d4", NickName: "迴焘願點"}
	boss := browser.Contact{UserName: "@c9e812", NickName: "老板😁"}
	return []*batchItem{
		{Group: Group{Line: 2, Topic: "周末徒步", Members: []string{"Rain1ove", "迴焘願點"}}, contacts: []browser.Contact{rain, cjk}},
		{Group: Group{Line: 3, Topic: "Weekend hike", Members: []string{"老板😁", "Rain1ove"}}, contacts: []browser.Contact{boss, rain}},
		{Group: Group{Line: 4, Topic: "读书会📚", Members: []string{"迴焘願點", "老板😁"}}, contacts: []browser.Contact{cjk, boss},
			state: stateDone, how: howEarlier, room: "@@5e0a77"},
	}
}

// TestDryRunTableCJK: --dry-run lines its columns up by terminal width,
// CJK and emoji included (tabwriter counted them as one column each).
func TestDryRunTableCJK(t *testing.T) {
	var out bytes.Buffer
	printBatchPlan(&out, cjkItems(), 30*time.Second, "teams.csv.journal")
	golden(t, "dry-run-cjk.golden", out.Bytes())
}

// TestSummaryTableCJK: the summary table is width-aware too.
func TestSummaryTableCJK(t *testing.T) {
	items := cjkItems()
	items[0].state, items[0].how, items[0].room = stateDone, StatusCreated, "@@91c0de"
	items[1].state, items[1].reason = stateFailed, "WeChat refused: Ret -23"
	var out bytes.Buffer
	printBatchSummary(&out, items, summarize(items, "teams.csv.journal"))
	golden(t, "summary-cjk.golden", out.Bytes())
}
