package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/sandbox"
)

// lineWriter is a writer whose complete lines a test reads as they come.
type lineWriter struct {
	mu      sync.Mutex
	partial []byte
	all     bytes.Buffer
	lines   chan string
}

func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 1000)} }

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(b)
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.lines <- string(w.partial[:i])
		w.partial = w.partial[i+1:]
	}
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// watchRun is wxctl watch running in process.
type watchRun struct {
	t              *testing.T
	stdout, stderr *lineWriter
	cancel         context.CancelFunc
	code           chan int
}

// startWatch runs wxctl watch with flags against the sandbox at url and
// returns once it watches.
func startWatch(t *testing.T, url string, flags ...string) *watchRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	w := &watchRun{t: t, stdout: newLineWriter(), stderr: newLineWriter(), cancel: cancel, code: make(chan int, 1)}
	argv := append(append([]string{"wxctl", "watch"}, onSandbox(url)...), flags...)
	go func() { w.code <- Main(ctx, argv, w.stdout, w.stderr) }()
	t.Cleanup(func() {
		cancel()
		<-w.code
	})
	select {
	case line := <-w.stderr.lines:
		if !strings.HasPrefix(line, "watching web WeChat") {
			t.Fatalf("watch said %q", line)
		}
	case code := <-w.code:
		w.code <- code
		t.Fatalf("watch ended with %d before watching: %s", code, w.stderr.String())
	}
	return w
}

// next returns the next line of stdout.
func (w *watchRun) next() string {
	w.t.Helper()
	select {
	case line := <-w.stdout.lines:
		return line
	case <-time.After(20 * time.Second):
		w.t.Fatalf("no event within 20s; stdout so far:\n%s\nstderr: %s", w.stdout.String(), w.stderr.String())
	}
	return ""
}

// nextEvent returns the next line of stdout as an event.
func (w *watchRun) nextEvent() browser.Event {
	w.t.Helper()
	line := w.next()
	var ev browser.Event
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		w.t.Fatalf("not a JSON event (%v): %s", err, line)
	}
	return ev
}

// exit waits for watch to end and returns its exit code.
func (w *watchRun) exit() int {
	w.t.Helper()
	select {
	case code := <-w.code:
		w.code <- code
		return code
	case <-time.After(20 * time.Second):
		w.t.Fatalf("watch did not end within 20s; stderr: %s", w.stderr.String())
	}
	return -1
}

// control posts a control request to the sandbox at url.
func control(t *testing.T, url, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(url+"sandbox/control", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("control %s: %d %v %v", body, resp.StatusCode, out, err)
	}
	return out
}

// TestWatchMessages: a friend's message injected through the control
// endpoint is on watch --json within a second, with the names the app
// holds and the emoji as emoji; one said in a group names the group and
// the member; Ctrl-C ends watch with 130.
func TestWatchMessages(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	w := startWatch(t, url, "--json")

	start := time.Now()
	ans := control(t, url, `{"friend":{"name":"Zhang Wei","action":"say","text":"hi 😀\n<b>&"}}`)
	ev := w.nextEvent()
	took := time.Since(start)
	t.Logf("injected message → printed line: %v", took)
	if took > time.Second {
		t.Errorf("the message took %v to reach watch, want under 1s", took)
	}
	if ev.Kind != "message" || ev.Type != "text" || ev.MsgType != 1 || ev.MsgID != ans["msgId"] || ev.From != "Boss" ||
		ev.FromID != sandbox.ZhangWei || ev.ToID != sandbox.SelfUserName || ev.Text != "hi 😀\n<b>&" || ev.Group != "" ||
		ev.Mine || time.Since(ev.Time) > time.Minute {
		t.Errorf("event %+v", ev)
	}

	room := srv.Rooms()[0].UserName
	if _, err := srv.FriendSays("Carol", room, "in the group 🥾"); err != nil {
		t.Fatal(err)
	}
	ev = w.nextEvent()
	if ev.Kind != "message" || ev.From != "Carol" || ev.FromID != sandbox.Carol || ev.Group != sandbox.SeedRoomTopic ||
		ev.GroupID != room || ev.Text != "in the group 🥾" {
		t.Errorf("group message %+v", ev)
	}

	w.cancel()
	if code := w.exit(); code != ExitInterrupted {
		t.Errorf("Ctrl-C: exit %d, want %d; stderr %s", code, ExitInterrupted, w.stderr.String())
	}
}

// TestWatchGroupChange: a topic set by a second wxctl, and people who join
// and leave, come as group-change events told against what the app held.
func TestWatchGroupChange(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	room := srv.Rooms()[0].UserName
	w := startWatch(t, url, "--json", "--type", "group-change")

	if code, _, stderr := onURL(t, url, "room topic", nil, sandbox.SeedRoomTopic, "Hikers 🥾"); code != ExitOK {
		t.Fatalf("room topic: exit %d, %s", code, stderr)
	}
	ev := w.nextEvent()
	if ev.Kind != "group-change" || ev.GroupID != room || strings.Join(ev.Changes, ",") != "topic" ||
		ev.OldTopic == nil || *ev.OldTopic != sandbox.SeedRoomTopic || ev.Topic == nil || *ev.Topic != "Hikers 🥾" ||
		ev.Group != "Hikers 🥾" || len(ev.Joined)+len(ev.Left) != 0 {
		t.Errorf("topic change %+v", ev)
	}

	if err := srv.FriendJoins("Dave", room); err != nil {
		t.Fatal(err)
	}
	ev = w.nextEvent()
	if strings.Join(ev.Changes, ",") != "members" || strings.Join(ev.Joined, ",") != "Dave" || len(ev.Left) != 0 {
		t.Errorf("join %+v", ev)
	}
	control(t, url, `{"friend":{"name":"Grace","action":"leave","group":"`+room+`"}}`)
	ev = w.nextEvent()
	if strings.Join(ev.Changes, ",") != "members" || strings.Join(ev.Left, ",") != "Grace" || len(ev.Joined) != 0 {
		t.Errorf("leave %+v", ev)
	}
	control(t, url, `{"friend":{"name":"Bob","action":"rename","group":"`+room+`","text":"Bob's"}}`)
	ev = w.nextEvent()
	if *ev.OldTopic != "Hikers 🥾" || *ev.Topic != "Bob's" {
		t.Errorf("rename by a friend %+v", ev)
	}
}

// TestWatchFilters: --from, --group and --type let through only what they
// name, in text output; a --type that names nothing is a usage error.
func TestWatchFilters(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	room := srv.Rooms()[0].UserName
	w := startWatch(t, url, "--from", "carol", "--group", sandbox.SeedRoomTopic, "--type", "text")

	say := func(who, group, text string) {
		t.Helper()
		if _, err := srv.FriendSays(who, group, text); err != nil {
			t.Fatal(err)
		}
	}
	say("Carol", "", "to you")           // not in the group
	say("Bob", room, "Bob in the group") // not from Carol
	if err := srv.FriendJoins("Dave", room); err != nil {
		t.Fatal(err) // a group-change and a system message
	}
	// Renamed (an event --type leaves out), the group still passes
	// --group under its new topic.
	if err := srv.FriendRenames("Bob", room, "Renamed"); err != nil {
		t.Fatal(err)
	}
	say("Carol", room, "Carol in the group")
	line := w.next()
	if !strings.Contains(line, "message Renamed · Carol: text \"Carol in the group\"") {
		t.Errorf("first line %q, want Carol's message in the renamed group", line)
	}

	code, _, stderr := onURL(t, url, "watch", []string{"--type", "gif"})
	if code != ExitUsage || !strings.Contains(stderr, `--type "gif"`) {
		t.Errorf("bad --type: exit %d, %q", code, stderr)
	}
}

// TestWatchSessionEnded: the session ended through the control endpoint
// is watch's last line, and exit 3.
func TestWatchSessionEnded(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	w := startWatch(t, url)
	control(t, url, `{"session":"expire"}`)
	line := w.next()
	if !strings.Contains(line, "session-ended") || !strings.Contains(line, "1101") {
		t.Errorf("last line %q", line)
	}
	if code := w.exit(); code != ExitNotLoggedIn {
		t.Errorf("exit %d, want %d; stderr %s", code, ExitNotLoggedIn, w.stderr.String())
	}
}

// TestWatchPageLost: the tab closed under watch ends it with 7.
func TestWatchPageLost(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	w := startWatch(t, url)
	closeTabsOn(t, url)
	if code := w.exit(); code != ExitBrowser {
		t.Errorf("exit %d, want %d; stderr %s", code, ExitBrowser, w.stderr.String())
	}
}
