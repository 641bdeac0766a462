package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/batch"
	"github.com/wxctl/wxctl/sandbox"
)

// batchFriends are the sandbox's friends that plans draw members from:
// names that resolve to one friend each.
var batchFriends = []string{"Rain1ove", "迴焘願點", "Boss", "alice_w", "Bob", "Carol", "Dave", "Eve", "Frank"}

// writeBatchPlan writes a CSV plan of n groups, "Group 01" … with two or
// three members each, and returns its path and the groups.
func writeBatchPlan(t *testing.T, n int) (string, []batch.Group) {
	t.Helper()
	var b strings.Builder
	b.WriteString("topic,member,member,member\n")
	groups := make([]batch.Group, n)
	for i := range n {
		g := batch.Group{Line: i + 2, Topic: fmt.Sprintf("Group %02d", i+1)}
		for k := range 2 + i%2 {
			g.Members = append(g.Members, batchFriends[(i+k*(1+i/len(batchFriends)))%len(batchFriends)])
		}
		groups[i] = g
		fmt.Fprintf(&b, "%s,%s\n", g.Topic, strings.Join(g.Members, ","))
	}
	path := filepath.Join(t.TempDir(), "plan.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, groups
}

// batchArgs are the arguments of a quick batch against a test sandbox.
func batchArgs(url, plan string, extra ...string) []string {
	args := append([]string{"room", "batch"}, onSandbox(url)...)
	args = append(args, "--interval", "0", "--backoff", "50ms", "--max-wait", "20s", "--lookup-wait", "2s")
	return append(append(args, extra...), plan)
}

// batchLines decodes room batch --json output: the group lines and the
// summary.
func batchLines(t *testing.T, stdout string) ([]batch.GroupJSON, batch.SummaryJSON) {
	t.Helper()
	var groups []batch.GroupJSON
	var sum batch.SummaryJSON
	for line := range strings.Lines(stdout) {
		var typ struct{ Type string }
		if err := json.Unmarshal([]byte(line), &typ); err != nil {
			t.Fatalf("not a JSON line: %q (%v)", line, err)
		}
		switch typ.Type {
		case "group":
			var g batch.GroupJSON
			_ = json.Unmarshal([]byte(line), &g)
			groups = append(groups, g)
		case "summary":
			_ = json.Unmarshal([]byte(line), &sum)
		default:
			t.Fatalf("unknown line %q", line)
		}
	}
	return groups, sum
}

// checkBatchRooms checks that the sandbox holds exactly one group per
// planned group, with its topic and members, besides the rooms it had
// before (seed), and that the journal names each of them. It returns the
// new rooms by topic.
func checkBatchRooms(t *testing.T, srv *sandbox.Server, seed int, groups []batch.Group, journal string) map[string]sandbox.Contact {
	t.Helper()
	rooms := srv.Rooms()[seed:]
	byTopic := make(map[string]sandbox.Contact)
	for _, r := range rooms {
		topic := browser.PlainName(r.NickName)
		if _, dup := byTopic[topic]; dup {
			t.Errorf("two groups with topic %q: a duplicate", topic)
		}
		byTopic[topic] = r
	}
	if len(rooms) != len(groups) {
		t.Errorf("the sandbox made %d groups, want %d", len(rooms), len(groups))
	}
	userNames := sandboxUserNames(t, srv)
	for _, g := range groups {
		r, ok := byTopic[g.Topic]
		if !ok {
			t.Errorf("no group %q", g.Topic)
			continue
		}
		var want, got []string
		for _, m := range g.Members {
			want = append(want, userNames[m])
		}
		for _, m := range r.MemberList {
			if m.UserName != sandbox.SelfUserName {
				got = append(got, m.UserName)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("group %q has members %v, want %v", g.Topic, got, want)
		}
	}
	checkJournalMatches(t, journal, byTopic, len(groups))
	return byTopic
}

// checkJournalMatches checks the journal against the sandbox's groups:
// one final result per group naming it, and an intent written before
// every create the sandbox received.
func checkJournalMatches(t *testing.T, path string, byTopic map[string]sandbox.Contact, want int) {
	t.Helper()
	records, err := batch.ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	final := make(map[string]string)
	for _, r := range records {
		if r.Type == batch.RecordResult && (r.Status == batch.StatusCreated || r.Status == batch.StatusFound) {
			if prev, ok := final[r.Topic]; ok && prev != r.ChatRoomName {
				t.Errorf("journal: %q done twice, as %s and %s", r.Topic, prev, r.ChatRoomName)
			}
			final[r.Topic] = r.ChatRoomName
		}
	}
	if len(final) != want {
		t.Errorf("journal: %d groups done, want %d", len(final), want)
	}
	for topic, room := range final {
		if byTopic[topic].UserName != room {
			t.Errorf("journal: %q is %s, the sandbox has %s", topic, room, byTopic[topic].UserName)
		}
	}
}

// sandboxUserNames maps the plan's names of friends to their UserNames.
func sandboxUserNames(t *testing.T, srv *sandbox.Server) map[string]string {
	t.Helper()
	out := make(map[string]string)
	for _, c := range srv.Contacts() {
		for _, n := range []string{browser.PlainName(c.NickName), c.RemarkName, c.Alias} {
			if n != "" {
				out[n] = c.UserName
			}
		}
	}
	return out
}

// TestRoomBatchRateLimited runs a plan of 50 groups against a sandbox that
// refuses creates past 8 in two seconds: the run backs off and ends with
// exactly the 50 groups. (A create takes the app's own read of the new
// group, a few hundred ms, so 4 at a time pass 8 in two seconds at once.)
func TestRoomBatchRateLimited(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithRateLimit(8, 2*time.Second, sandbox.RetTooFrequent))
	// Whether the limiter refuses depends on how fast this machine creates;
	// the first create's refusal for frequency does not: the run must back
	// off at least once, whatever the speed.
	srv.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Ret: sandbox.RetTooFrequent, Once: true})
	plan, groups := writeBatchPlan(t, 50)
	seed := len(srv.Rooms())
	start := time.Now()
	code, stdout, stderr := runCLI(t, batchArgs(url, plan, "--concurrency", "4", "--json")...)
	if code != ExitOK {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	t.Logf("50 groups in %v, %d creates refused for frequency", time.Since(start).Round(time.Millisecond), srv.RateLimited())
	if !strings.Contains(stderr, "backing off") {
		t.Errorf("refused for frequency, the run did not say it backed off:\n%s", stderr)
	}
	checkBatchRooms(t, srv, seed, groups, plan+".journal")
	lines, sum := batchLines(t, stdout)
	if len(lines) != 50 || sum.Created != 50 || sum.Done != 50 || sum.ExitCode != 0 {
		t.Errorf("%d group lines, summary %+v", len(lines), sum)
	}
	for _, l := range lines {
		if l.Status != batch.StatusCreated || !strings.HasPrefix(l.ChatRoomName, "@@") || l.Ret == nil || *l.Ret != 0 {
			t.Errorf("line %+v", l)
		}
	}
	checkNoSecrets(t, srv, []byte(stdout+stderr))

	// Running it again creates nothing.
	code, stdout, stderr = runCLI(t, batchArgs(url, plan)...)
	if code != ExitOK || len(srv.Rooms()) != seed+50 || !strings.Contains(stdout, "50 earlier") {
		t.Errorf("second run: exit %d, %d rooms\nstdout: %s\nstderr: %s", code, len(srv.Rooms())-seed, stdout, stderr)
	}
}

// TestRoomBatchLostAnswer drops the answer of the second create after the
// sandbox made the group: the run finds the group and does not make it
// again.
func TestRoomBatchLostAnswer(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.DropCreateAnswer(2, nil)
	plan, groups := writeBatchPlan(t, 3)
	seed := len(srv.Rooms())
	code, stdout, stderr := runCLI(t, batchArgs(url, plan, "--json")...)
	if code != ExitOK {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	byTopic := checkBatchRooms(t, srv, seed, groups, plan+".journal")
	if n := len(srv.Requests("webwxcreatechatroom")); n != 3 {
		t.Errorf("%d creates sent, want 3", n)
	}
	lines, _ := batchLines(t, stdout)
	dropped := srv.DroppedAnswers()
	if len(lines) != 3 || lines[1].Status != batch.StatusFound || len(dropped) != 1 || lines[1].ChatRoomName != dropped[0] ||
		byTopic[groups[1].Topic].UserName != dropped[0] {
		t.Errorf("lines %+v, dropped %v", lines, dropped)
	}
}

// TestRoomBatchPageCrash crashes the page's renderer while the sandbox
// holds the second create, after it made the group: the run opens the app
// again in a new tab, finds the group, and goes on.
func TestRoomBatchPageCrash(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.DropCreateAnswer(2, func(string) { crashTabs(t, url) })
	plan, groups := writeBatchPlan(t, 3)
	seed := len(srv.Rooms())
	// The create in flight when the renderer dies ends at --timeout.
	code, stdout, stderr := runCLI(t, batchArgs(url, plan, "--timeout", "3s")...)
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "opening web WeChat again") {
		t.Errorf("the run did not say it reopened the page:\n%s", stderr)
	}
	checkBatchRooms(t, srv, seed, groups, plan+".journal")
	if n := len(srv.Requests("webwxcreatechatroom")); n != 3 {
		t.Errorf("%d creates sent, want 3", n)
	}
}

// TestRoomBatchStopsAtRateLimit has the sandbox block creates (1205) past
// the first: the run stops with exit 5, what is done and what remains, and
// a second run, once the block is lifted, finishes the plan.
func TestRoomBatchStopsAtRateLimit(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithRateLimit(1, time.Hour, sandbox.RetFrequencyBlock))
	plan, groups := writeBatchPlan(t, 3)
	seed := len(srv.Rooms())
	args := batchArgs(url, plan, "--json", "--max-wait", "300ms")
	code, stdout, stderr := runCLI(t, args...)
	_, sum := batchLines(t, stdout)
	if code != ExitRateLimited || sum.Done != 1 || sum.Remaining != 2 || sum.Stopped != "rate-limited" || sum.ExitCode != code {
		t.Fatalf("exit %d, summary %+v\nstderr: %s", code, sum, stderr)
	}
	if !strings.Contains(stderr, "Ret 1205") || !strings.Contains(stderr, "run the same command later to resume") {
		t.Errorf("stderr %q", stderr)
	}
	srv.SetRateLimit(sandbox.RateLimit{})
	code, stdout, stderr = runCLI(t, args...)
	_, sum = batchLines(t, stdout)
	if code != ExitOK || sum.Earlier != 1 || sum.Created != 2 {
		t.Fatalf("second run: exit %d, summary %+v\nstderr: %s", code, sum, stderr)
	}
	checkBatchRooms(t, srv, seed, groups, plan+".journal")
}

// TestRoomBatchRefusedAndSessionEnd: a refused group fails the run with
// exit 6 and is tried again by the next run; a session that ends stops the
// run with exit 3.
func TestRoomBatchRefusedAndSessionEnd(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	plan, groups := writeBatchPlan(t, 3)
	seed := len(srv.Rooms())
	srv.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Ret: 1204, ErrMsg: "not a friend", Once: true})
	code, stdout, stderr := runCLI(t, batchArgs(url, plan)...)
	if code != ExitRefused || !strings.Contains(stdout, "failed: webwxcreatechatroom answered Ret 1204") ||
		!strings.Contains(stderr, "2 of 3 groups done, 1 failed") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if len(srv.Rooms()) != seed+2 {
		t.Errorf("%d groups made, want 2", len(srv.Rooms())-seed)
	}

	plan2, _ := writeBatchPlan(t, 2)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Ret: 1101, Once: true})
	code, _, stderr = runCLI(t, batchArgs(url, plan2)...)
	if code != ExitNotLoggedIn || !strings.Contains(stderr, "wxctl login") || !strings.Contains(stderr, "resume") {
		t.Errorf("session end: exit %d, stderr %q", code, stderr)
	}

	code, _, stderr = runCLI(t, batchArgs(url, plan)...)
	if code != ExitOK {
		t.Fatalf("third run: exit %d: %s", code, stderr)
	}
	checkBatchRooms(t, srv, seed, groups, plan+".journal")
}

// TestRoomBatchPlanProblems checks that every problem of a plan is
// reported at once, with its line, and that nothing is sent.
func TestRoomBatchPlanProblems(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	plan := filepath.Join(t.TempDir(), "bad.csv")
	data := "Hikers,Rain1ove,Nobody\nHikers,Tom,Bob\n,Bob,Carol\nSolo,Bob,Bob\nMe,Rain1ove," + sandbox.SelfUserName + "\nFine,Bob,Carol\n"
	if err := os.WriteFile(plan, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, batchArgs(url, plan)...)
	if code != ExitUsage || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{
		`line 1 "Hikers": no friend is called "Nobody"`,
		`line 2 "Hikers": the same topic as line 1`,
		`line 2 "Hikers": "Tom" is ambiguous`,
		`line 3: no topic`,
		`line 4 "Solo": "Bob" is listed twice`,
		`line 4 "Solo": a group needs at least 2 members`,
		`line 5 "Me": "` + sandbox.SelfUserName + `" is yourself`,
		"7 problems",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := len(srv.Requests("webwxcreatechatroom")); n != 0 {
		t.Errorf("%d creates sent for a plan with problems", n)
	}
	if _, err := os.Stat(plan + ".journal"); err == nil {
		t.Error("a plan with problems left a journal")
	}
}

func TestRoomBatchDryRun(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	plan, _ := writeBatchPlan(t, 3)
	journal := `{"type":"intent","topic":"Group 01","members":["Rain1ove","迴焘願點"],"attempt":1,"time":"2024-05-01T10:00:00Z"}` + "\n" +
		`{"type":"result","topic":"Group 01","members":["Rain1ove","迴焘願點"],"status":"created","chatRoomName":"@@abc","ret":0,"time":"2024-05-01T10:00:01Z"}` + "\n" +
		`{"type":"intent","topic":"Group 02","members":["迴焘願點","Boss","alice_w"],"attempt":1,"time":"2024-05-01T10:00:02Z"}` + "\n"
	if err := os.WriteFile(plan+".journal", []byte(journal), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, append([]string{"room", "batch", "--dry-run"}, append(onSandbox(url), plan)...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"skip: done earlier as @@abc", "look it up first", "create", "Boss (@", "one every 30s", "Nothing was sent"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if len(srv.Requests("webwxcreatechatroom")) != 0 || len(srv.Requests("webwxupdatechatroom")) != 0 {
		t.Error("--dry-run sent something")
	}
	code, stdout, _ = runCLI(t, append([]string{"room", "batch", "--dry-run", "--json"}, append(onSandbox(url), plan)...)...)
	lines, sum := batchLines(t, stdout)
	if code != ExitOK || len(lines) != 3 || lines[0].Status != "earlier" || lines[1].Status != "look-up" || lines[2].Status != "create" || !sum.DryRun {
		t.Errorf("--json: exit %d, %+v %+v", code, lines, sum)
	}
}

// TestRoomBatchInterrupt cancels the run (Ctrl-C) while it waits out
// --interval: it stops at once, reports what is done, and exits 130.
func TestRoomBatchInterrupt(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	plan, _ := writeBatchPlan(t, 3)
	args := batchArgs(url, plan, "--interval", "1h") // the later --interval wins
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		waitJournalLines(ctx, plan+".journal", 3) // the header, the first intent and its result
		cancel()
	}()
	var stdout, stderr strings.Builder
	start := time.Now()
	code := Main(ctx, append([]string{"wxctl"}, args...), &stdout, &stderr)
	if code != ExitInterrupted || !strings.Contains(stdout.String(), "1 of 3 done") || !strings.Contains(stderr.String(), "interrupted with 1 of 3 groups done") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the interrupted run took %v", d)
	}
}

// waitJournalLines waits until the file at path has n lines, or ctx ends.
func waitJournalLines(ctx context.Context, path string, n int) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if countLines(path) >= n {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
	}
	return n
}

// devToolsTarget is a tab as the shared browser's /json/list shows it.
type devToolsTarget struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	URL  string `json:"url"`
}

// devToolsHTTP is the shared browser's DevTools HTTP address.
func devToolsHTTP(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(remoteURL)
	if err != nil {
		t.Fatal(err)
	}
	return "http://" + u.Host
}

// tabsOn lists the shared browser's tabs showing a page under prefix.
func tabsOn(t *testing.T, prefix string) []devToolsTarget {
	t.Helper()
	resp, err := http.Get(devToolsHTTP(t) + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var all []devToolsTarget
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatal(err)
	}
	var out []devToolsTarget
	for _, tab := range all {
		if tab.Type == "page" && strings.HasPrefix(tab.URL, prefix) {
			out = append(out, tab)
		}
	}
	return out
}

// closeTabsOn closes the shared browser's tabs on prefix: those of a
// wxctl killed with SIGKILL, which had no chance to close its own.
func closeTabsOn(t *testing.T, prefix string) {
	t.Helper()
	for _, tab := range tabsOn(t, prefix) {
		if resp, err := http.Get(devToolsHTTP(t) + "/json/close/" + tab.ID); err == nil {
			resp.Body.Close()
		}
	}
}

// crashTabs crashes the renderer of the tabs on prefix, as an out-of-memory
// kill or a renderer bug does ("Aw, Snap!"): the DevTools protocol's
// Page.crash.
func crashTabs(t *testing.T, prefix string) {
	actx, cancel := remote.NewAllocator(context.Background(), remoteURL)
	defer cancel()
	for _, tab := range tabsOn(t, prefix) {
		tctx, tcancel := chromedp.NewContext(actx, chromedp.WithTargetID(target.ID(tab.ID)), chromedp.WithDetachOnCancel())
		if err := chromedp.Do(tctx); err != nil {
			t.Errorf("attaching to the tab to crash it: %v", err)
			tcancel()
			continue
		}
		// The renderer dies without answering: the call ends at its deadline.
		cctx, ccancel := context.WithTimeout(tctx, time.Second)
		_, _ = cdp.Call(cctx, chromedp.FromContext(tctx).Target, page.Crash, cdp.Empty{})
		ccancel()
		tcancel()
	}
}

// TestRoomBatchWatchesTheSessionPastTimeout ends the session while the
// batch waits between creates, long after --timeout (which bounds each
// step, not the run): the watch of the session stops the run at once, and
// no further create is sent.
func TestRoomBatchWatchesTheSessionPastTimeout(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	plan, _ := writeBatchPlan(t, 3)
	args := batchArgs(url, plan)
	// --timeout 1s and --interval 6s: the session ends 1.5 s after the
	// first create, when a job deadline of --timeout would have passed; the
	// push channel tells the page within its 1.5 s hold, well before the
	// next create is due.
	args = append(args[:len(args)-1], "--timeout", "1s", "--interval", "6s", plan)
	go func() {
		waitFor(t, func() bool { return len(srv.Requests("webwxcreatechatroom")) == 1 })
		time.Sleep(1500 * time.Millisecond)
		srv.ExpireSession()
	}()
	start := time.Now()
	code, _, stderr := runCLI(t, args...)
	if code != ExitNotLoggedIn || !strings.Contains(stderr, "resume") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if n := len(srv.Requests("webwxcreatechatroom")); n != 1 {
		t.Errorf("%d creates sent, want 1: the run went on after the session ended", n)
		for _, r := range srv.Requests("") {
			t.Logf("%s %s %s", r.Time.Format("05.000"), r.Endpoint, r.Query.Get("r"))
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the run took %v to notice the session's end", d)
	}
}
