package cmd

import (
	"os"
	"strings"
	"testing"
	"time"
)

// The sandbox pushes every new group to the page at once, and the page
// reads it by itself before wxctl asks, as the genuine client does. These
// tests fail when the read-back waits on a request of its own that the app
// never sends: every create then waits out --timeout.

// TestRoomCreateReadBackTakesTheAppsRead: room create reads the group back
// from the app's own batch get, at once, not after --timeout.
func TestRoomCreateReadBackTakesTheAppsRead(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	start := time.Now()
	code, out, stderr := createJSON(t, url, "--member", "Carol", "--member", "Dave", "--timeout", "20s")
	took := time.Since(start)
	if code != ExitOK || !out.OK || len(out.Members) != 3 {
		t.Fatalf("exit %d after %s, stderr %q, members %+v", code, took, stderr, out.Members)
	}
	if took > 10*time.Second {
		t.Errorf("room create took %s with --timeout 20s: the read-back waited", took)
	}
	// One read of the group: the app's own, which wxctl took instead of
	// queueing another.
	reads := 0
	for _, c := range out.Calls {
		if c.Endpoint == "webwxbatchgetcontact" && strings.Contains(string(c.Request), out.ChatRoomName) {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("%d batch gets of the group, want 1 (the app's own)", reads)
	}
}

// TestRoomBatchNeverWaitsTimeout: 10 groups, each read back from the
// app's own read, take far less than one --timeout in all.
func TestRoomBatchNeverWaitsTimeout(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	seed := len(srv.Rooms())
	plan, groups := writeBatchPlan(t, 10)
	start := time.Now()
	code, stdout, stderr := runCLI(t, batchArgs(url, plan, "--json", "--timeout", "20s")...)
	took := time.Since(start)
	if code != ExitOK {
		t.Fatalf("exit %d after %s: %s", code, took, stderr)
	}
	if took > 20*time.Second {
		t.Errorf("10 groups took %s: at least one waited out --timeout 20s", took)
	}
	lines, sum := batchLines(t, stdout)
	for _, g := range lines {
		if g.Status != "created" || g.Error != "" {
			t.Errorf("group %q: %s %s", g.Topic, g.Status, g.Error)
		}
	}
	if len(lines) != 10 {
		t.Errorf("%d group lines, summary %+v", len(lines), sum)
	}
	journal, err := os.ReadFile(plan + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(journal), "reading it back failed") {
		t.Errorf("the journal keeps a read-back error:\n%s", journal)
	}
	checkBatchRooms(t, srv, seed, groups, plan+".journal")
}
