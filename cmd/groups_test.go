package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/batch"
	"github.com/wxctl/wxctl/sandbox"
)

// recentGroups is how many unsaved groups the tests of this file put in
// the recent chats: three batch gets in a row before the app knows the
// oldest.
const recentGroups = 120

// TestRoomInfoRecentGroup: the oldest of 120 unsaved groups in the recent
// chats, which the app loads last, resolves on the first try in every new
// page, 20 times in a row.
func TestRoomInfoRecentGroup(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithRecentGroups(recentGroups))
	oldest := srv.Rooms()[recentGroups]
	topic := sandbox.RecentGroupTopic(recentGroups)
	start := time.Now()
	for i := range 20 {
		code, out, stderr := runJSON[roomInfoJSON](t, url, "room info", nil, topic)
		if code != ExitOK || out.Room == nil || out.Room.ChatRoomName != oldest.UserName || out.Room.Topic != topic {
			t.Fatalf("try %d: exit %d, %+v, stderr %q", i+1, code, out.Room, stderr)
		}
	}
	t.Logf("20 × room info %q: %v", topic, time.Since(start).Round(time.Millisecond))
	if n := len(srv.Requests(browser.EndpointBatchGet)); n < 20*3 {
		t.Errorf("%d batch gets for 20 pages, want three each at least", n)
	}
}

// TestContactsSavedGroups: contacts --groups says which groups are saved to
// the address book, and lists those the app loads from the recent chats.
func TestContactsSavedGroups(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithRecentGroups(recentGroups))
	code, out, stderr := runJSON[contactsJSON](t, url, "contacts", []string{"--groups"})
	if code != ExitOK || len(out.Contacts) != recentGroups+1 {
		t.Fatalf("exit %d, %d groups, stderr %q", code, len(out.Contacts), stderr)
	}
	saved := map[string]bool{}
	for _, c := range out.Contacts {
		if c.Saved == nil {
			t.Fatalf("%+v has no saved field", c)
		}
		saved[c.NickName] = *c.Saved
	}
	if !saved[sandbox.SeedRoomTopic] || saved[sandbox.RecentGroupTopic(recentGroups)] || len(saved) != recentGroups+1 {
		t.Errorf("saved: seed %v, oldest recent %v, %d topics", saved[sandbox.SeedRoomTopic], saved[sandbox.RecentGroupTopic(recentGroups)], len(saved))
	}
	if got := srv.Rooms()[recentGroups].UserName; !strings.Contains(strings.Join(userNames(out.Contacts), ","), got) {
		t.Errorf("the oldest recent group %s is not listed", got)
	}

	code, stdout, _ := onURL(t, url, "contacts", []string{"--groups", "--filter", "group 120"})
	if code != ExitOK || !strings.Contains(stdout, "Groups (1, 0 saved to the address book)") ||
		!regexp.MustCompile(`TOPIC +MEMBERS +SAVED +USERNAME\n +Recent group 120 +3 +no +@@`).MatchString(stdout) {
		t.Errorf("--groups --filter:\n%s", stdout)
	}
}

func userNames(list []contactJSON) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.UserName
	}
	return out
}

// TestGroupsStillLoading: when the app's batch gets do not come back within
// --timeout, a command about a group exits 7 and names the groups the app
// was still loading, rather than calling the group unknown.
func TestGroupsStillLoading(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithRecentGroups(recentGroups))
	srv.SetFault(sandbox.Fault{Endpoint: browser.EndpointBatchGet, Delay: time.Minute})
	code, stdout, stderr := onURL(t, url, "room info", []string{"--timeout", "4s"}, sandbox.RecentGroupTopic(recentGroups))
	if code != ExitBrowser || stdout != "" {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, ExitBrowser, stdout, stderr)
	}
	for _, want := range []string{"had not loaded", "of the 121 groups", "more", "raise --timeout"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not say %q", stderr, want)
		}
	}
	if strings.Contains(stderr, "no group is called") || !strings.Contains(stderr, "@@") {
		t.Errorf("stderr %q: want the missing groups named, not the group called unknown", stderr)
	}
}

// TestRoomBatchResumeWaitsForGroups: a run resumes a plan whose journal
// says a create was sent and its answer never seen; the group exists, but
// far down the recent chats, which the app loads through slow batch gets
// after the page opens. The run finds it there instead of taking it for
// absent within --lookup-wait and making it a second time.
func TestRoomBatchResumeWaitsForGroups(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithRecentGroups(recentGroups))
	plan, groups := writeBatchPlan(t, 1)
	lost := srv.AddRoom(groups[0].Topic, sandbox.Rain1ove, sandbox.HuiTao)
	for i := range 10 { // later chats push it out of webwxinit's ContactList
		srv.AddRoom(fmt.Sprintf("Later %d", i+1), sandbox.Eve, sandbox.Frank)
	}
	writeJournal(t, plan+".journal",
		batch.Record{Type: batch.RecordIntent, Topic: groups[0].Topic, Members: groups[0].Members, Attempt: 1, Time: time.Now()},
		batch.Record{Type: batch.RecordResult, Topic: groups[0].Topic, Members: groups[0].Members, Status: batch.StatusUnknown, Error: "the answer was lost", Time: time.Now()})
	// Each batch get takes a second: the app knows every group only after
	// three of them, later than --lookup-wait (2 s).
	srv.SetFault(sandbox.Fault{Endpoint: browser.EndpointBatchGet, Delay: time.Second})
	seed := len(srv.Rooms())
	code, stdout, stderr := runCLI(t, batchArgs(url, plan, "--json")...)
	lines, sum := batchLines(t, stdout)
	if code != ExitOK || sum.Found != 1 || len(lines) != 1 || lines[0].ChatRoomName != lost {
		t.Errorf("exit %d, summary %+v, lines %+v\nstderr: %s", code, sum, lines, stderr)
	}
	if n := len(srv.Requests(browser.EndpointCreateRoom)); n != 0 || len(srv.Rooms()) != seed {
		t.Errorf("%d creates sent, %d groups made: the group was made again", n, len(srv.Rooms())-seed)
	}
}

// TestRoomBatchLookupGroupsNotLoaded: the page crashes with a create in
// flight whose group the server made, and later chats push that group down
// the recent chats; in the new tab the app cannot load its groups in time.
// The run does not take the group for absent: it reports it unknown
// (exit 8), and sends no create for it again.
func TestRoomBatchLookupGroupsNotLoaded(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.DropCreateAnswer(2, func(string) {
		srv.SetFault(sandbox.Fault{Endpoint: browser.EndpointBatchGet, Delay: time.Minute})
		for i := range 10 {
			srv.AddRoom(fmt.Sprintf("Later %d", i+1), sandbox.Eve, sandbox.Frank)
		}
		crashTabs(t, url)
	})
	plan, _ := writeBatchPlan(t, 2)
	code, stdout, stderr := runCLI(t, batchArgs(url, plan, "--json", "--timeout", "3s")...)
	lines, sum := batchLines(t, stdout)
	if code != ExitUnknownOutcome || sum.Done != 1 || sum.Failed != 1 || len(lines) != 2 ||
		!strings.Contains(lines[1].Error, "outcome unknown") || !strings.Contains(lines[1].Error, "had not loaded") {
		t.Errorf("exit %d, summary %+v, lines %+v\nstderr: %s", code, sum, lines, stderr)
	}
	if n := len(srv.Requests(browser.EndpointCreateRoom)); n != 2 {
		t.Errorf("%d creates sent, want 2: the lost one was sent again", n)
	}
	records, err := batch.ReadJournal(plan + ".journal")
	if err != nil || records[len(records)-1].Status != batch.StatusUnknown {
		t.Errorf("the journal ends with %+v (%v): the next run must look the group up first", records[len(records)-1], err)
	}
}

// writeJournal writes a plan's journal as an earlier run left it.
func writeJournal(t *testing.T, path string, records ...batch.Record) {
	t.Helper()
	var b strings.Builder
	for _, r := range records {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}
