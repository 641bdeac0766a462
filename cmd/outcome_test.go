package cmd

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
)

// The exit class of every way a command can end early: exit 8 only when a
// change may have reached WeChat; otherwise the class of the cause, and a
// message that says whether anything was sent.

// TestSessionEndsMidChange ends the web WeChat session while the change's
// request waits for its answer: exit 3 (log in again), the message says the
// request was sent, and the command ends at once, well within --timeout.
func TestSessionEndsMidChange(t *testing.T) {
	needBrowser(t)
	tests := []struct {
		name     string
		endpoint string
		args     func(*sandbox.Server) []string
	}{
		{"create", "webwxcreatechatroom", func(*sandbox.Server) []string {
			return []string{"room", "create", "--member", "Rain1ove", "--member", "Bob"}
		}},
		{"add", "webwxupdatechatroom", func(srv *sandbox.Server) []string {
			srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
			return []string{"room", "add", "--member", "Dave", "Book Club"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fault(t)
			srv, url := startSandbox(t)
			args := tt.args(srv)
			srv.SetFault(sandbox.Fault{Endpoint: tt.endpoint, Delay: time.Minute})
			go func() {
				waitFor(t, func() bool { return len(srv.Requests(tt.endpoint)) > 0 })
				srv.ExpireSession()
			}()
			const timeout = 20 * time.Second
			start := time.Now()
			code, _, stderr := runCLI(t, withFlags(args, "--url", url, "--remote", remoteURL, "--timeout", timeout.String())...)
			took := time.Since(start)
			if code != ExitNotLoggedIn || !strings.Contains(stderr, tt.endpoint+" was sent") || !strings.Contains(stderr, "wxctl login") {
				t.Errorf("exit %d, stderr %q; want %d, saying that %s was sent", code, stderr, ExitNotLoggedIn, tt.endpoint)
			}
			if took >= timeout {
				t.Errorf("took %v, past --timeout %v", took, timeout)
			}
		})
	}
}

// TestChangeNeverPastTimeout: --timeout bounds the whole command once the
// browser runs, a slow page included, not the page and then the change
// each in full.
func TestChangeNeverPastTimeout(t *testing.T) {
	needBrowser(t)
	fault(t)
	srv, url := startSandbox(t)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxinit", Delay: 3 * time.Second, Once: true})
	srv.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Delay: time.Minute})
	const timeout = 6 * time.Second
	start := time.Now()
	code, _, stderr := runCLI(t, withFlags([]string{"room", "create", "--member", "Rain1ove", "--member", "Bob"},
		"--url", url, "--remote", remoteURL, "--timeout", timeout.String())...)
	took := time.Since(start)
	if code != ExitUnknownOutcome || !strings.Contains(stderr, "webwxcreatechatroom was sent") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	// Closing the tab and the sandbox's answer may take a moment more.
	if took > timeout+2*time.Second {
		t.Errorf("took %v with --timeout %v", took, timeout)
	}
}

// TestInterruptMidCreate is Ctrl-C (or SIGTERM: main cancels the context
// for both) while the create waits for its answer: exit 130, saying that the
// request was sent, and the browser closed.
func TestInterruptMidCreate(t *testing.T) {
	needBrowser(t)
	fault(t)
	srv, url := startSandbox(t)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Delay: time.Minute})
	profile := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitFor(t, func() bool { return len(srv.Requests("webwxcreatechatroom")) > 0 })
		cancel()
	}()
	var stdout, stderr bytes.Buffer
	code := Main(ctx, []string{"wxctl", "room", "create", "--url", url, "--chrome", chromePath, "--profile", profile,
		"--member", "Rain1ove", "--member", "Bob"}, &stdout, &stderr)
	if code != ExitInterrupted || !strings.Contains(stderr.String(), "interrupted (Ctrl-C or SIGTERM) after webwxcreatechatroom was sent") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	if left := profileProcesses(profile); len(left) > 0 {
		t.Errorf("browser processes left after the interrupt: %v", left)
	}
}

// TestFailureBeforeTheChange makes the reads a change needs fail or stall:
// nothing was sent, and the exit code is the cause's class, never 8.
func TestFailureBeforeTheChange(t *testing.T) {
	needBrowser(t)
	create := []string{"room", "create", "--member", "Rain1ove", "--member", "Bob"}
	add := []string{"room", "add", "--member", "Dave", "Book Club"}
	tests := []struct {
		name   string
		fault  sandbox.Fault
		args   []string
		code   int
		stderr string
	}{
		{"init slow", sandbox.Fault{Endpoint: "webwxinit", Delay: time.Minute}, create, ExitBrowser, "nothing was sent"},
		{"init 500", sandbox.Fault{Endpoint: "webwxinit", Status: 500}, create, ExitRefused, "HTTP 500"},
		{"contacts slow", sandbox.Fault{Endpoint: "webwxgetcontact", Delay: time.Minute}, create, ExitBrowser, "nothing was sent"},
		{"contacts 503", sandbox.Fault{Endpoint: "webwxgetcontact", Status: 503}, create, ExitRefused, "HTTP 503"},
		{"contacts Ret -1", sandbox.Fault{Endpoint: "webwxgetcontact", Ret: -1}, create, ExitRefused, "webwxgetcontact answered Ret -1"},
		{"read-back before add slow", sandbox.Fault{Endpoint: "webwxbatchgetcontact", Delay: time.Minute}, add, ExitBrowser, "nothing was sent"},
		{"read-back before add 500", sandbox.Fault{Endpoint: "webwxbatchgetcontact", Status: 500}, add, ExitRefused, "nothing was sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fault(t)
			srv, url := startSandbox(t)
			srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
			srv.SetFault(tt.fault)
			code, _, stderr := runCLI(t, withFlags(tt.args, "--url", url, "--remote", remoteURL, "--timeout", "8s")...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) || !strings.Contains(stderr, "nothing was sent") {
				t.Errorf("exit %d, stderr %q; want %d, %q and that nothing was sent", code, stderr, tt.code, tt.stderr)
			}
			if n := len(srv.Requests("webwxcreatechatroom")) + len(srv.Requests("webwxupdatechatroom")); n > 0 {
				t.Errorf("%d changes were sent", n)
			}
		})
	}
}

// TestSendAnswerNotWeChat: a send whose answer is not WeChat JSON may have
// been delivered, like any other change: exit 8.
func TestSendAnswerNotWeChat(t *testing.T) {
	needBrowser(t)
	fault(t)
	srv, url := startSandbox(t)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxsendmsg", Body: "<html>502 Bad Gateway</html>"})
	code, _, stderr := runCLI(t, withFlags([]string{"send", "Rain1ove", "hello"}, onSandbox(url)...)...)
	if code != ExitUnknownOutcome || !strings.Contains(stderr, "webwxsendmsg was sent") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestFlaggedAnswerOfChanges: -2013 is a success where the app's own UI
// takes it as one (create, add) and a refusal elsewhere; the words and the
// exit code agree.
func TestFlaggedAnswerOfChanges(t *testing.T) {
	needBrowser(t)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"add", []string{"room", "add", "--member", "Dave", "Book Club"}, ExitOK},
		{"remove", []string{"room", "remove", "--member", "Rain1ove", "Book Club"}, ExitRefused},
		{"topic", []string{"room", "topic", "Book Club", "Readers"}, ExitRefused},
		{"send", []string{"send", "Rain1ove", "hello"}, ExitRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fault(t)
			srv, url := startSandbox(t)
			srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
			endpoint := "webwxupdatechatroom"
			if tt.name == "send" {
				endpoint = "webwxsendmsg"
			}
			srv.SetFault(sandbox.Fault{Endpoint: endpoint, Ret: -2013})
			code, stdout, stderr := runCLI(t, withFlags(tt.args, onSandbox(url)...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, tt.code, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, "accepted") && code != ExitOK {
				t.Errorf("a refusal reads as accepted: %q", stdout+stderr)
			}
			if !strings.Contains(stdout+stderr, "-2013") {
				t.Errorf("the Ret is not told: %q", stdout+stderr)
			}
		})
	}
}

// TestBadTimeout: a --timeout that leaves no time for any call is refused
// before a browser starts.
func TestBadTimeout(t *testing.T) {
	for _, v := range []string{"0", "-1s", "1ns"} {
		t.Run(v, func(t *testing.T) {
			code, _, stderr := runCLI(t, "room", "info", "--sandbox", "--chrome", "/nonexistent/chrome", "--timeout", v, "Book Club")
			if code != ExitUsage || !strings.Contains(stderr, "--timeout") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

// TestBadURL: --url must be an http(s) address; anything else is refused
// before a browser starts (the Chrome given does not exist), and a local
// file's text is never loaded.
func TestBadURL(t *testing.T) {
	for _, v := range []string{"not a url", "", "127.0.0.1:18001", "file:///etc/passwd", "javascript:alert(1)", "http://"} {
		t.Run(v, func(t *testing.T) {
			code, _, stderr := runCLI(t, "status", "--chrome", "/nonexistent/chrome", "--profile", t.TempDir(), "--url", v)
			if code != ExitUsage || !strings.Contains(stderr, "--url") || strings.Contains(stderr, "root:") {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

// TestNotWebWeChat opens a page that loads without any AngularJS app: exit
// 7 soon after it loaded, not at the end of --timeout.
func TestNotWebWeChat(t *testing.T) {
	needBrowser(t)
	fault(t)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>Router admin</title><p>Please sign in to the router.</p>")
	}))
	t.Cleanup(page.Close)
	start := time.Now()
	code, _, stderr := runCLI(t, "status", "--remote", remoteURL, "--timeout", "60s", "--url", page.URL+"/")
	if code != ExitBrowser || !strings.Contains(stderr, "AngularJS") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %v to see the page is not web WeChat", took)
	}
}

// TestChromeThatExits gives a --chrome that exits at once: exit 7 with why,
// its exit status.
func TestChromeThatExits(t *testing.T) {
	for bin, status := range map[string]string{"/bin/true": "status 0", "/bin/false": "status 1"} {
		t.Run(bin, func(t *testing.T) {
			code, _, stderr := runCLI(t, "status", "--chrome", bin, "--profile", t.TempDir(), "--timeout", "20s", "--url", "http://127.0.0.1:1/")
			if code != ExitBrowser || !strings.Contains(stderr, bin+" exited with "+status) {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

// TestBadProfile gives a --profile wxctl cannot use: exit 2, naming it,
// before a browser starts.
func TestBadProfile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(t.TempDir(), "locked")
	if err := os.Mkdir(locked, 0o500); err != nil {
		t.Fatal(err)
	}
	bad := []string{file, "/proc/self/wxctl", "/proc", filepath.Join(file, "sub")}
	if os.Geteuid() != 0 { // root writes anywhere
		bad = append(bad, locked, filepath.Join(locked, "sub"))
	}
	for _, p := range bad {
		t.Run(p, func(t *testing.T) {
			code, _, stderr := runCLI(t, "status", "--chrome", "/nonexistent/chrome", "--profile", p)
			if code != ExitUsage || !strings.Contains(stderr, p) {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
	if b, _ := os.ReadFile(file); string(b) != "notes\n" {
		t.Errorf("the file given as the profile changed: %q", b)
	}
}

// TestTopicTooLongBeforeCreate: a topic WeChat would refuse is refused
// before the group is created.
func TestTopicTooLongBeforeCreate(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	topic := strings.Repeat("群", 33)
	code, _, stderr := runCLI(t, append([]string{"room", "create"}, append(onSandbox(url), "--member", "Rain1ove", "--member", "Bob", "--topic", topic)...)...)
	if code != ExitUsage || !strings.Contains(stderr, "32") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if n := len(srv.Requests("webwxcreatechatroom")); n > 0 {
		t.Errorf("%d groups created for a topic WeChat refuses", n)
	}
}

// withFlags puts flags right after the command's name in args (wxctl wants
// them before the arguments).
func withFlags(args []string, flags ...string) []string {
	n := 1
	if args[0] == "room" {
		n = 2
	}
	out := append([]string{}, args[:n]...)
	return append(append(out, flags...), args[n:]...)
}

// TestLogoutLeavesNoSecretsInProfile logs in a profile, works in it, logs
// out, and then looks through every file of the profile for the session's
// secrets: Chrome's HTTP cache and the site's storage keep the app's
// requests and answers, which carry them.
func TestLogoutLeavesNoSecretsInProfile(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	profile := t.TempDir()
	flags := []string{"--url", url, "--chrome", chromePath, "--profile", profile, "--timeout", "30s"}
	if code, _, stderr := runCLI(t, withFlags([]string{"room", "create", "--member", "Rain1ove", "--member", "Bob", "--topic", "Cache"}, flags...)...); code != ExitOK {
		t.Fatalf("room create: exit %d: %s", code, stderr)
	}
	s := srv.Session() // the session's secrets, before the log-out ends it
	if code, _, stderr := runCLI(t, withFlags([]string{"logout"}, flags...)...); code != ExitOK {
		t.Fatalf("logout: exit %d: %s", code, stderr)
	}
	secrets := map[string]string{"Uin": strconv.FormatInt(s.Uin, 10), "Sid": s.Sid, "Skey": s.Skey, "pass_ticket": s.PassTicket}
	for name, v := range secrets {
		if q := neturl.QueryEscape(v); q != v {
			secrets[name+" (escaped)"] = q
		}
	}
	files := 0
	filepath.WalkDir(profile, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		files++
		b, _ := os.ReadFile(p)
		for name, v := range secrets {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s is in %s", name, strings.TrimPrefix(p, profile))
			}
		}
		return nil
	})
	if files < 10 {
		t.Errorf("the profile holds %d files: was it used?", files)
	}
}
