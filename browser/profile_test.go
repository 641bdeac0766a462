package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultProfileDir(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/tmp/xdg-test")
	t.Setenv("HOME", "/tmp/home-test")
	dir, err := DefaultProfileDir()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.UserConfigDir()
	if dir != filepath.Join(want, "wxctl", "profile") {
		t.Errorf("DefaultProfileDir() = %s", dir)
	}
}

// deadPid returns the pid of a process that has exited.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	return cmd.Process.Pid
}

// fakeChrome starts a long sleep whose command line says "chromium", a
// stand-in for a live Chromium holding a profile.
func fakeChrome(t *testing.T) int {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip(err)
	}
	cmd := &exec.Cmd{Path: sleep, Args: []string{"chromium", "60"}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// Until the child has exec'd, its command line is still this test's.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", cmd.Process.Pid)); bytes.HasPrefix(b, []byte("chromium\x00")) {
			break
		}
	}
	return cmd.Process.Pid
}

func TestLockHolderOf(t *testing.T) {
	chrome := fakeChrome(t)
	for _, tc := range []struct {
		name        string
		target      string
		browserOnly bool
		held        string // a part of the description; "" for not held
	}{
		{"live chromium", lockTarget(chrome), true, "chromium"},
		{"dead pid", lockTarget(deadPid(t)), true, ""},
		{"pid reused by a non-browser", lockTarget(os.Getpid()), true, ""},
		{"this program", lockTarget(os.Getpid()), false, "this program"},
		{"other host", "other-host.example-1234", false, `host "other-host.example"`},
		{"garbage", "nonsense", false, ""},
	} {
		got := lockHolderOf(tc.target, tc.browserOnly)
		if (got == "") != (tc.held == "") || !strings.Contains(got, tc.held) {
			t.Errorf("%s: lockHolderOf(%q) = %q, want %q", tc.name, tc.target, got, tc.held)
		}
	}
}

// TestProfileInUse starts two browsers on one profile: the second is
// refused at once, and the profile is free again after Close.
func TestProfileInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "profile")
	b := startBrowser(t, WithProfile(dir))
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the profile directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	start := time.Now()
	_, err := Start(context.Background(), WithProfile(dir))
	if !errors.Is(err, ErrProfileInUse) {
		t.Fatalf("a second Start on the profile: %v, want ErrProfileInUse", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the refusal took %v", d)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("the message %q does not name the profile", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, wxctlLockName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock is still there after Close: %v", err)
	}
	startBrowser(t, WithProfile(dir))
}

// TestProfileInUseByChrome refuses a profile that a live Chromium holds,
// before launching anything.
func TestProfileInUseByChrome(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	if err := os.Symlink(lockTarget(fakeChrome(t)), filepath.Join(dir, chromeLockName)); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), WithProfile(dir))
	if !errors.Is(err, ErrProfileInUse) || !strings.Contains(err.Error(), "chromium") {
		t.Fatalf("Start on a profile Chromium holds: %v, want ErrProfileInUse naming it", err)
	}
	if pids := profileProcesses(dir); len(pids) > 0 {
		t.Errorf("a browser was launched anyway: %v", pids)
	}
}

// TestStaleLocksTakenOver starts on a profile whose locks name dead
// processes, as a killed browser leaves them.
func TestStaleLocksTakenOver(t *testing.T) {
	dir := t.TempDir()
	stale := lockTarget(deadPid(t))
	for _, name := range []string{chromeLockName, wxctlLockName} {
		if err := os.Symlink(stale, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	startBrowser(t, WithProfile(dir))
	if target, err := os.Readlink(filepath.Join(dir, wxctlLockName)); err != nil || target != lockTarget(os.Getpid()) {
		t.Errorf("wxctl's lock: %q, %v; want it taken over", target, err)
	}
}
