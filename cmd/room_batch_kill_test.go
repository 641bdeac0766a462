package cmd

import (
	"context"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxctl/wxctl/cmd/internal/batch"
	"github.com/wxctl/wxctl/sandbox"
)

// TestRoomBatchSurvivesSIGKILL kills wxctl with SIGKILL at random points
// of a batch (right after a journal line, or a moment later: before a
// create leaves, while it is in flight, before its result is written,
// while its topic is set), then runs the same command to the end. The
// sandbox must hold exactly the planned groups, none twice, and the
// journal must name each; every create the sandbox received must have its
// intent in the journal.
func TestRoomBatchSurvivesSIGKILL(t *testing.T) {
	needBrowser(t)
	bin := filepath.Join(t.TempDir(), "wxctl")
	build := exec.Command("go", "build", "-o", bin, "github.com/wxctl/wxctl")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv, url := startSandbox(t)
	// Cleanups run last-in first-out: the killed runs' tabs close before
	// the sandbox they poll.
	t.Cleanup(func() { closeTabsOn(t, url) })
	plan, groups := writeBatchPlan(t, 12)
	journal := plan + ".journal"
	seed := len(srv.Rooms())
	args := batchArgs(url, plan, "--concurrency", "2")

	pcg := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", pcg)
	rng := rand.New(rand.NewPCG(pcg, 6))
	for round := 1; round <= 4; round++ {
		killAt := countLines(journal) + 1 + rng.IntN(5)
		delay := time.Duration(rng.IntN(250)) * time.Millisecond
		if killed := runAndKill(t, bin, args, journal, killAt, delay); !killed {
			t.Logf("round %d: the run ended before journal line %d", round, killAt)
			break
		}
		t.Logf("round %d: killed %v after journal line %d; %d groups in the sandbox", round, delay, killAt, len(srv.Rooms())-seed)
		closeTabsOn(t, url)
	}

	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("the last run: %v\n%s", err, out)
	}
	t.Logf("the last run:\n%s", out)
	checkBatchRooms(t, srv, seed, groups, journal)
	checkIntentsCoverCreates(t, srv, journal)
}

// runAndKill runs wxctl with args and kills it with SIGKILL delay after
// the journal reached line killAt. It reports whether it killed it: the
// run may end first.
func runAndKill(t *testing.T, bin string, args []string, journal string, killAt int, delay time.Duration) bool {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-exited
		cancel()
	}()
	reached := waitJournalLines(ctx, journal, killAt)
	if reached && delay > 0 {
		// The kill lands delay into the create, not at a page state:
		// it is the point of the test to hit any moment.
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
	select {
	case <-exited:
		return false
	default:
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no clean-up runs
		t.Fatal(err)
	}
	<-exited
	return true
}

// checkIntentsCoverCreates checks that the journal holds at least one
// intent per create request the sandbox received: no create without a
// line saying so.
func checkIntentsCoverCreates(t *testing.T, srv *sandbox.Server, journal string) {
	t.Helper()
	records, err := batch.ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	intents := 0
	for _, r := range records {
		if r.Type == batch.RecordIntent {
			intents++
		}
	}
	if creates := len(srv.Requests("webwxcreatechatroom")); creates > intents {
		t.Errorf("the sandbox received %d creates, the journal holds %d intents", creates, intents)
	}
}
