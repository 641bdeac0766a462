package browser

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Lock files in a profile directory. Chromium holds SingletonLock, a symlink
// to "hostname-pid", while it runs; chromium-headless-shell holds none, so
// wxctl keeps its own lock of the same form beside it: without it two
// headless browsers would share (and corrupt) one profile.
const (
	chromeLockName = "SingletonLock"
	wxctlLockName  = "wxctl.lock"
)

// DefaultProfileDir returns the profile directory wxctl uses unless told
// otherwise: <os.UserConfigDir>/wxctl/profile (~/.config/wxctl/profile on
// Linux). The web WeChat session lives there between runs.
func DefaultProfileDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the default profile directory: %w", err)
	}
	return filepath.Join(dir, "wxctl", "profile"), nil
}

// profileLock is wxctl's hold on a profile directory.
type profileLock struct {
	path   string // the symlink
	target string // what it points to: our "hostname-pid"
}

// lockProfile makes sure no live browser or wxctl uses dir and takes wxctl's
// lock on it. It answers at once: a held lock is an error, not a wait. A
// stale lock (its process is gone) is taken over.
func lockProfile(dir string) (*profileLock, error) {
	if holder := lockHolder(filepath.Join(dir, chromeLockName), true); holder != "" {
		return nil, profileInUse(dir, holder, chromeLockName)
	}
	path := filepath.Join(dir, wxctlLockName)
	me := lockTarget(os.Getpid())
	for range 2 {
		err := os.Symlink(me, path)
		if err == nil {
			return &profileLock{path: path, target: me}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("locking the profile %s: %w", dir, err)
		}
		if holder := lockHolder(path, false); holder != "" {
			return nil, profileInUse(dir, holder, wxctlLockName)
		}
		// Stale: remove it unless someone else replaced it meanwhile.
		if old, err := os.Readlink(path); err == nil && lockHolderOf(old, false) == "" {
			_ = os.Remove(path)
		}
	}
	return nil, profileInUse(dir, "another wxctl that started at the same time", wxctlLockName)
}

// release removes the lock if it is still ours.
func (l *profileLock) release() {
	if l == nil {
		return
	}
	if target, err := os.Readlink(l.path); err == nil && target == l.target {
		_ = os.Remove(l.path)
	}
}

func profileInUse(dir, holder, lock string) error {
	return &classError{
		class: ErrProfileInUse,
		msg: fmt.Sprintf("the browser profile %s is in use by %s: close that browser (or wxctl), "+
			"or use another profile; if nothing uses it any more, remove %s",
			dir, holder, filepath.Join(dir, lock)),
	}
}

// lockTarget is what a lock symlink of this host and pid points to, in
// Chromium's own form.
func lockTarget(pid int) string {
	return hostname() + "-" + strconv.Itoa(pid)
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return h
}

// lockHolder describes the live holder of the lock symlink at path, or
// returns "" when there is none: no lock, or a stale one.
func lockHolder(path string, browserOnly bool) string {
	target, err := os.Readlink(path)
	if err != nil {
		return ""
	}
	return lockHolderOf(target, browserOnly)
}

// lockHolderOf is lockHolder for the symlink's target. A lock of another
// host cannot be checked, so it counts as held. With browserOnly, a live pid
// whose command line is not a browser's was reused by another program since
// the browser died, so the lock is stale.
func lockHolderOf(target string, browserOnly bool) string {
	i := strings.LastIndexByte(target, '-')
	if i < 0 {
		return ""
	}
	host := target[:i]
	pid, err := strconv.Atoi(target[i+1:])
	if err != nil || pid <= 0 {
		return ""
	}
	if host != hostname() {
		return fmt.Sprintf("process %d on the host %q", pid, host)
	}
	if !pidAlive(pid) {
		return ""
	}
	cmd, known := commandLine(pid)
	if browserOnly && known && !looksLikeBrowser(cmd) {
		return ""
	}
	if pid == os.Getpid() {
		return "this program (another browser it started)"
	}
	if name := programName(cmd); name != "" {
		return fmt.Sprintf("process %d (%s)", pid, name)
	}
	return fmt.Sprintf("process %d", pid)
}

// pidAlive reports whether a process with this pid exists. EPERM means it
// exists and belongs to another user.
func pidAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// commandLine returns the NUL-separated command line of pid, and false when
// it cannot be read (no /proc, another user's process).
func commandLine(pid int) ([]byte, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return nil, false
	}
	return b, true
}

func looksLikeBrowser(cmdline []byte) bool {
	s := strings.ToLower(string(cmdline))
	for _, w := range []string{"chrom", "msedge", "brave", "--user-data-dir"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func programName(cmdline []byte) string {
	arg0, _, _ := bytes.Cut(cmdline, []byte{0})
	return filepath.Base(string(arg0))
}

// profileProcesses lists the processes started with --user-data-dir=dir:
// Chromium passes the flag to every child (zygote, renderers, GPU, network),
// so this finds all of one browser's processes. It finds none where there is
// no /proc.
func profileProcesses(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	want := []byte("--user-data-dir=" + dir)
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmd, ok := commandLine(pid)
		if !ok {
			continue
		}
		for arg := range bytes.SplitSeq(cmd, []byte{0}) {
			if bytes.Equal(arg, want) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// reapProfileProcesses makes sure no process of the browser on dir is left
// once the main process has exited: children get a moment to exit on their
// own (a graceful close is in progress), then are killed. Without it a
// killed or crashed browser can leave renderers behind, which keep writing
// into the profile.
func reapProfileProcesses(dir string, grace time.Duration) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && len(profileProcesses(dir)) > 0 {
		<-tick.C
	}
	// A child can fork just as its parent dies; look until a few passes in a
	// row find nothing.
	limit := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(limit); <-tick.C {
		pids := profileProcesses(dir)
		if len(pids) == 0 {
			quiet++
			continue
		}
		quiet = 0
		for _, pid := range pids {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
	}
}

// removeProfile deletes a temporary profile. A child that was still
// exiting can recreate a file while the tree is removed, hence the retries.
func removeProfile(dir string) error {
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		reapProfileProcesses(dir, 0)
	}
	return fmt.Errorf("removing the temporary profile %s: %w", dir, err)
}
