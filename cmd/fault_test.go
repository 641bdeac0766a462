package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
)

// The fault suite: what the sandbox can make go wrong under a create, and
// what wxctl then says. Each case checks the exit code, that the message
// tells the outcome honestly, and that no browser process is left.

// faultsTried and faultsSurvived count the fault cases of this run (those
// that call fault) and those that passed; TestMain prints the figure.
var faultsTried, faultsSurvived atomic.Int32

// fault counts t as a case of the fault suite: tried now, survived when it
// ends without failing.
func fault(t *testing.T) {
	t.Helper()
	faultsTried.Add(1)
	t.Cleanup(func() {
		if !t.Failed() && !t.Skipped() {
			faultsSurvived.Add(1)
		}
	})
}

// faultFigure is the fault suite's line for the end of the run, "" when no
// fault case ran.
func faultFigure() string {
	tried := faultsTried.Load()
	if tried == 0 {
		return ""
	}
	return fmt.Sprintf("fault suite: %d of %d faults survived", faultsSurvived.Load(), tried)
}

func TestFaultAnswers(t *testing.T) {
	needBrowser(t)
	tests := []struct {
		name    string
		arm     func(*sandbox.Server)
		code    int
		stderr  string
		created bool // the sandbox made the group
	}{
		{"garbage", func(s *sandbox.Server) {
			s.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Body: "<html><body>502 Bad Gateway</body></html>"})
		}, ExitUnknownOutcome, "not WeChat JSON", false},
		{"half a body", func(s *sandbox.Server) { s.DropCreateAnswer(1, nil) }, ExitUnknownOutcome, "may or may not", true},
		{"server error", func(s *sandbox.Server) {
			s.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Status: 503})
		}, ExitRefused, "HTTP 503", false},
		{"session gone", func(s *sandbox.Server) {
			s.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Ret: 1101})
		}, ExitNotLoggedIn, "wxctl login", false},
		{"not a friend", func(s *sandbox.Server) {
			s.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Ret: 1204})
		}, ExitRefused, "not a friend", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fault(t)
			srv, url := startSandbox(t)
			before := len(srv.Rooms())
			tt.arm(srv)
			code, out, stderr := createJSON(t, url, "--member", "Rain1ove", "--member", "Bob")
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d stderr %q, want %d and %q", code, stderr, tt.code, tt.stderr)
			}
			if made := len(srv.Rooms()) > before; made != tt.created {
				t.Errorf("sandbox made a group: %v, want %v", made, tt.created)
			}
			if out.Created {
				t.Error("reported as created, though no answer said so")
			}
		})
	}
}

// TestFaultBrowserKilledMidCall kills the browser while the create request
// waits for its answer: the outcome is unknown (the request left), the exit
// code says so, and no process of that browser is left.
func TestFaultBrowserKilledMidCall(t *testing.T) {
	needBrowser(t)
	fault(t)
	srv, url := startSandbox(t)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Delay: time.Minute})
	profile := t.TempDir()
	go func() {
		waitFor(t, func() bool { return len(srv.Requests("webwxcreatechatroom")) > 0 })
		for _, pid := range profileProcesses(profile) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}()
	code, _, stderr := runCLI(t, "room", "create", "--url", url, "--chrome", chromePath, "--profile", profile,
		"--timeout", "30s", "--member", "Rain1ove", "--member", "Bob")
	if code != ExitUnknownOutcome || !strings.Contains(stderr, "may or may not") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if left := profileProcesses(profile); len(left) > 0 {
		t.Errorf("browser processes left: %v", left)
	}
}

// TestFaultPageNavigatesMidCall makes the page leave (the push channel's
// answer reloads it, as the real app does on some errors) while a create
// waits: the outcome is unknown.
func TestFaultPageNavigatesMidCall(t *testing.T) {
	needBrowser(t)
	fault(t)
	srv, url := startSandbox(t)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Delay: 20 * time.Second})
	go func() {
		waitFor(t, func() bool { return len(srv.Requests("webwxcreatechatroom")) > 0 })
		srv.SetFault(sandbox.Fault{Endpoint: "synccheck", Body: `location.href = '/?moved=1';`, Once: true})
	}()
	code, _, stderr := runCLI(t, append([]string{"room", "create", "--member", "Rain1ove", "--member", "Bob"}, onSandbox(url)...)...)
	if code != ExitUnknownOutcome || !strings.Contains(stderr, "may or may not") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestNoBrowserLeftAfterLaunch runs the launch path end to end and counts
// the processes of its profile afterwards.
func TestNoBrowserLeftAfterLaunch(t *testing.T) {
	needBrowser(t)
	fault(t)
	_, url := startSandbox(t)
	profile := t.TempDir()
	code, _, stderr := runCLI(t, "room", "create", "--url", url, "--chrome", chromePath, "--profile", profile,
		"--member", "Rain1ove", "--member", "Bob")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if left := profileProcesses(profile); len(left) > 0 {
		t.Errorf("browser processes left: %v", left)
	}
}

func TestCtrlCClosesTheBrowser(t *testing.T) {
	needBrowser(t)
	fault(t)
	srv, url := startSandbox(t)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Delay: time.Minute})
	profile := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitFor(t, func() bool { return len(srv.Requests("webwxcreatechatroom")) > 0 })
		cancel() // what the signal handler in main does on Ctrl-C
	}()
	var stdout, stderr bytes.Buffer
	code := Main(ctx, []string{"wxctl", "room", "create", "--url", url, "--chrome", chromePath, "--profile", profile,
		"--member", "Rain1ove", "--member", "Bob"}, &stdout, &stderr)
	if code != ExitInterrupted {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	if left := profileProcesses(profile); len(left) > 0 {
		t.Errorf("browser processes left after Ctrl-C: %v", left)
	}
}

// waitFor polls cond for up to 30 s: the tests wait on the sandbox's state,
// which has no channel to wait on.
func waitFor(t *testing.T, cond func() bool) {
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Error("condition not met within 30s")
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// profileProcesses lists the processes whose command line names profile as
// their user data dir.
func profileProcesses(profile string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(cmd, []byte("--user-data-dir="+profile+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}
