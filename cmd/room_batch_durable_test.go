package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/wxctl/wxctl/cmd/internal/batch"
)

// TestRoomBatchRefusesPlanNotUTF8 runs a plan that a spreadsheet saved as
// GBK: it is refused with the line and the command that converts it, and
// nothing reaches the sandbox (the browser is not even opened). Before, its
// topic was created as mojibake, again at every run.
func TestRoomBatchRefusesPlanNotUTF8(t *testing.T) {
	srv, url := startSandbox(t)
	plan := filepath.Join(t.TempDir(), "plan.csv")
	data, err := os.ReadFile(filepath.Join("..", "testdata", "batch", "gbk.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plan, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, batchArgs(url, plan)...)
	if code != ExitUsage || stdout != "" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{plan + ":4: not UTF-8 text", "iconv -f GBK -t UTF-8 " + plan + " > " + strings.TrimSuffix(plan, ".csv") + "-utf8.csv"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := len(srv.Requests("")); n != 0 {
		t.Errorf("%d requests reached the sandbox", n)
	}
	if _, err := os.Stat(plan + ".journal"); err == nil {
		t.Error("a refused plan left a journal")
	}
}

// TestRoomBatchRefusesFileNotJournal names a notes file as the journal:
// it is refused (exit 2), nothing is sent, and the file is as it was.
// Before, a one-line file was taken for a torn journal and emptied.
func TestRoomBatchRefusesFileNotJournal(t *testing.T) {
	srv, url := startSandbox(t)
	plan, _ := writeBatchPlan(t, 2)
	for name, data := range map[string]string{
		"notes.txt": "ask Boss about the bus",
		"plan.csv":  "topic,member,member\nHikers,Rain1ove,Boss\n",
	} {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, dry := range []bool{false, true} {
			args := batchArgs(url, plan, "--journal", path)
			if dry {
				args = batchArgs(url, plan, "--journal", path, "--dry-run")
			}
			code, _, stderr := runCLI(t, args...)
			if code != ExitUsage || !strings.Contains(stderr, path+" is not a wxctl journal") || !strings.Contains(stderr, "left as it is") {
				t.Errorf("%s (dry run %v): exit %d, stderr %q", name, dry, code, stderr)
			}
			if b, _ := os.ReadFile(path); string(b) != data {
				t.Errorf("%s (dry run %v) became %q", name, dry, b)
			}
		}
	}
	if n := len(srv.Requests("")); n != 0 {
		t.Errorf("%d requests reached the sandbox", n)
	}
}

// TestRoomBatchSkipsExistingGroups runs a plan, then runs it again with
// the journal lost: the groups are found by topic among yours and not made
// again (before, every group was made twice). --dry-run says so; a group
// whose members changed in the plan is left as it is, with a note;
// --recreate makes them all again.
func TestRoomBatchSkipsExistingGroups(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	plan, groups := writeBatchPlan(t, 3)
	journal := plan + ".journal"
	seed := len(srv.Rooms())
	if code, _, stderr := runCLI(t, batchArgs(url, plan)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	first := checkBatchRooms(t, srv, seed, groups, journal)
	creates := len(srv.Requests("webwxcreatechatroom"))

	// The plan now lists other members for Group 02.
	data, _ := os.ReadFile(plan)
	edited := strings.Replace(string(data), "Group 02,"+strings.Join(groups[1].Members, ","), "Group 02,Eve,Frank", 1)
	if edited == string(data) {
		t.Fatalf("could not edit the plan:\n%s", data)
	}
	if err := os.WriteFile(plan, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}

	os.Remove(journal)
	code, stdout, stderr := runCLI(t, batchArgs(url, plan, "--dry-run")...)
	if code != ExitOK || strings.Count(stdout, "skip: a group with this topic exists already") != 3 ||
		!strings.Contains(stdout, "its members are not the plan's") || !strings.Contains(stdout, "Would create up to 0 groups") {
		t.Errorf("--dry-run: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, batchArgs(url, plan, "--dry-run", "--json")...)
	lines, _ := batchLines(t, stdout)
	for _, l := range lines {
		if l.Status != batch.StatusExists || l.ChatRoomName != first[l.Topic].UserName {
			t.Errorf("--dry-run --json: exit %d, line %+v", code, l)
		}
	}
	code, stdout, _ = runCLI(t, batchArgs(url, plan, "--dry-run", "--recreate")...)
	if code != ExitOK || strings.Count(stdout, "has this topic: --recreate") != 3 || !strings.Contains(stdout, "Would create up to 3 groups") {
		t.Errorf("--dry-run --recreate: exit %d\n%s", code, stdout)
	}

	code, stdout, stderr = runCLI(t, batchArgs(url, plan, "--json")...)
	lines, sum := batchLines(t, stdout)
	if code != ExitOK || sum.Existing != 3 || sum.Done != 3 || sum.Created != 0 {
		t.Fatalf("second run: exit %d, summary %+v\nstderr: %s", code, sum, stderr)
	}
	if n := len(srv.Requests("webwxcreatechatroom")); n != creates || len(srv.Rooms()) != seed+3 {
		t.Errorf("the second run sent %d creates; the sandbox has %d groups, want 3", n-creates, len(srv.Rooms())-seed)
	}
	for _, l := range lines {
		if l.Status != batch.StatusExists || l.ChatRoomName != first[l.Topic].UserName {
			t.Errorf("line %+v", l)
		}
	}
	if !strings.Contains(stderr, `exists "Group 02"`) || !strings.Contains(stderr, "its members are not the plan's") ||
		strings.Count(stderr, "one of your groups has this topic: not created") != 3 {
		t.Errorf("the progress does not say the groups existed:\n%s", stderr)
	}
	records, err := batch.ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if r.Type != batch.RecordResult || r.Status != batch.StatusExists || r.ChatRoomName != first[r.Topic].UserName {
			t.Errorf("journal record %+v", r)
		}
	}
	// The journal now knows them: a third run has nothing to look for.
	code, stdout, _ = runCLI(t, batchArgs(url, plan)...)
	if code != ExitOK || !strings.Contains(stdout, "3 earlier") {
		t.Errorf("third run: exit %d\n%s", code, stdout)
	}

	os.Remove(journal)
	t.Setenv("WXCTL_RECREATE", "1")
	// urfave/cli keeps a value read from the environment in the flag, a
	// package variable: the next run in this process would see it too.
	t.Cleanup(func() { batchRecreateFlag.Value, batchRecreateFlag.HasBeenSet = false, false })
	code, stdout, stderr = runCLI(t, batchArgs(url, plan)...)
	if code != ExitOK || !strings.Contains(stdout, "3 of 3 done (3 created") || len(srv.Rooms()) != seed+6 {
		t.Errorf("--recreate: exit %d, %d groups\nstdout: %s\nstderr: %s", code, len(srv.Rooms())-seed, stdout, stderr)
	}
}

// TestRoomBatchCreatesNothingUnchecked breaks the app's list of groups
// while the first create is in flight: the second group, whose topic
// cannot be looked for, is not created (it fails, for the next run), and
// the next run, on a page that works, makes it once.
func TestRoomBatchCreatesNothingUnchecked(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	plan, groups := writeBatchPlan(t, 2)
	seed := len(srv.Rooms())
	srv.DropCreateAnswer(1, func(string) {
		evalInTabs(t, url, `angular.element(document).injector().get('contactFactory').getAllChatroomContact =
			function () { throw new Error('the list of groups is not loaded') }`)
	})
	code, stdout, stderr := runCLI(t, batchArgs(url, plan, "--json")...)
	lines, sum := batchLines(t, stdout)
	if code == ExitOK || sum.Failed != 2 || len(lines) != 2 {
		t.Fatalf("exit %d, summary %+v\nstderr: %s", code, sum, stderr)
	}
	if n := len(srv.Requests("webwxcreatechatroom")); n != 1 || len(srv.Rooms()) != seed+1 {
		t.Errorf("%d creates sent, %d groups made; want 1 of each", n, len(srv.Rooms())-seed)
	}
	if l := lines[1]; l.Status != "failed" || !strings.Contains(l.Error, "could not tell whether a group with its topic exists") ||
		!strings.Contains(l.Error, "not created") || l.Attempts != 0 {
		t.Errorf("second group: %+v", l)
	}

	code, _, stderr = runCLI(t, batchArgs(url, plan)...)
	if code != ExitOK {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	checkBatchRooms(t, srv, seed, groups, plan+".journal")
}

// evalInTabs evaluates expr in the tabs of the shared browser showing a
// page under prefix, as another program attached to the browser may.
func evalInTabs(t *testing.T, prefix, expr string) {
	actx, cancel := remote.NewAllocator(context.Background(), remoteURL)
	defer cancel()
	for _, tab := range tabsOn(t, prefix) {
		tctx, tcancel := chromedp.NewContext(actx, chromedp.WithTargetID(target.ID(tab.ID)), chromedp.WithDetachOnCancel())
		if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](expr+"; true")); err != nil {
			t.Errorf("evaluating in tab %s: %v", tab.ID, err)
		}
		tcancel()
	}
}
