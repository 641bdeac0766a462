// Package browsertest finds the Chromium that tests drive and starts the
// one browser a test binary shares. Every package's tests use it, so that
// one rule holds everywhere: a test that needs Chromium skips on a machine
// without it, and fails when CI is set, where a missing browser is a
// broken setup rather than a reason to pass.
//
// It imports neither browser nor sandbox, so that the tests inside those
// packages can use it too.
package browsertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// paths are the Chromiums tests prefer, headless shell first: Debian's
// builds live outside PATH.
var paths = []string{"/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/chromium"}

// names are looked up on PATH when none of paths is there.
var names = []string{"chromium-headless-shell", "chromium", "google-chrome"}

// Find returns a Chromium for tests, headless shell first; "" when this
// machine has none.
func Find() string {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Path returns the Chromium for the test, or ends the test without one:
// Missing says how.
func Path(t testing.TB) string {
	t.Helper()
	p := Find()
	if p == "" {
		Missing(t, "no Chromium on this machine")
	}
	return p
}

// Missing ends a test that lacks what it needs (Chromium, AngularJS): it
// skips, except in CI (CI set), where it fails.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI needs it: %s (make deps installs it)", why)
	}
	t.Skipf("%s (make deps installs it)", why)
}

// Shared starts one headless Chromium at path with a DevTools port, for a
// whole test binary to attach to (not starting a browser per test is a
// large speed-up). It returns the DevTools endpoint and a func that stops
// the browser, its zygotes and renderers included, and removes its
// profile.
func Shared(path string) (remote string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "wxctl-test-browser-")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-background-timer-throttling", "--disable-renderer-backgrounding",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir="+dir, "about:blank")
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop = func() {
		killGroup(cmd)
		cmd.Wait()
		os.RemoveAll(dir)
	}
	// Chromium writes its port and browser path to DevToolsActivePort once
	// it listens; nothing announces the file, so it is polled.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(dir, "DevToolsActivePort"))
		if lines := strings.Split(string(b), "\n"); err == nil && len(lines) >= 2 && lines[1] != "" {
			return "ws://127.0.0.1:" + strings.TrimSpace(lines[0]) + strings.TrimSpace(lines[1]), stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("%s did not open its DevTools port within 20s", path)
}
