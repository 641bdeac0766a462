package cmd

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
)

// remoteURL is the DevTools endpoint of the browser that the tests of this
// package share through --remote; "" when no Chromium was found.
var remoteURL string

// chromePath is the Chromium the tests use; "" when none was found.
var chromePath string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	chromePath = findChromium()
	if chromePath != "" {
		stop, err := startSharedBrowser(chromePath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "starting the shared browser:", err)
			return 1
		}
		defer stop()
	}
	code := m.Run()
	if line := faultFigure(); line != "" {
		// After the results, in a plain run as in -v.
		fmt.Println(line)
	}
	return code
}

// findChromium returns a Chromium for tests, headless-shell first.
func findChromium() string {
	for _, p := range []string{"/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/chromium"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startSharedBrowser starts one headless Chromium with a DevTools port for
// the whole test binary: not starting a browser per test is a large
// speed-up. It returns a func that stops it and removes its profile.
func startSharedBrowser(path string) (func(), error) {
	dir, err := os.MkdirTemp("", "wxctl-test-browser-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-background-timer-throttling", "--disable-renderer-backgrounding",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir="+dir, "about:blank")
	// A process group of its own, so that stopping it takes its zygotes
	// and renderers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		os.RemoveAll(dir)
	}
	// Chromium writes its port and browser path to DevToolsActivePort once
	// it listens.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(dir, "DevToolsActivePort"))
		if lines := strings.Split(string(b), "\n"); err == nil && len(lines) >= 2 && lines[1] != "" {
			remoteURL = "ws://127.0.0.1:" + strings.TrimSpace(lines[0]) + strings.TrimSpace(lines[1])
			return stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("%s did not open its DevTools port within 20s", path)
}

// needBrowser skips a test that needs Chromium when there is none, except
// in CI, where a missing browser is a failure.
func needBrowser(t *testing.T) {
	t.Helper()
	if remoteURL != "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is missing in CI: make deps installs it")
	}
	t.Skip("no Chromium on this machine (make deps installs it)")
}

// runCLI runs wxctl in process and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := Main(ctx, append([]string{"wxctl"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// sandboxHosts counts the sandboxes started, for their addresses.
var sandboxHosts atomic.Int32

// startSandbox serves a sandbox for one test and closes it after.
func startSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Server, string) {
	t.Helper()
	srv, err := sandbox.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	// Each sandbox gets a loopback address of its own: cookies are kept by
	// host, not port, and the tests share one browser, so a sandbox on
	// 127.0.0.1 would see the cookies another test's sandbox set (a
	// session, or the association log-in a log-out leaves).
	ts := httptest.NewUnstartedServer(srv)
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 2+sandboxHosts.Add(1)%250))
	if err != nil {
		t.Fatal(err)
	}
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return srv, ts.URL + "/"
}

// onSandbox are the flags that point wxctl at a test's sandbox through the
// shared browser.
func onSandbox(url string) []string {
	return []string{"--url", url, "--remote", remoteURL, "--timeout", "30s"}
}
