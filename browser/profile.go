package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
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

// virtualRoots are file systems of the kernel, where no profile can live.
var virtualRoots = []string{"/proc", "/sys", "/dev"}

// prepareProfileDir makes sure dir can hold a browser profile: a directory
// wxctl may create and write in, not a file, not on a kernel file system.
// It creates dir (0700: the profile holds the session cookies). A dir it
// cannot use is bad input, named in the error.
func prepareProfileDir(dir string) error {
	bad := func(why string) error {
		return &classError{class: ErrBadInput, msg: fmt.Sprintf(
			"the profile directory %s %s: give a directory that wxctl may create and write in (--profile or WXCTL_PROFILE)", dir, why)}
	}
	for _, root := range virtualRoots {
		if dir == root || strings.HasPrefix(dir, root+string(filepath.Separator)) {
			return bad("is on the kernel's " + root + " file system")
		}
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return bad("is a file, not a directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		var perr *fs.PathError
		if errors.As(err, &perr) {
			err = perr.Err // the path is in the message already
		}
		return bad(fmt.Sprintf("cannot be created (%v)", err))
	}
	probe, err := os.CreateTemp(dir, ".wxctl-probe-")
	if err != nil {
		var perr *fs.PathError
		if errors.As(err, &perr) {
			err = perr.Err
		}
		return bad(fmt.Sprintf("is not writable (%v)", err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// siteStorage is what Storage.clearDataForOrigin clears of web WeChat's
// origins on a log-out: everything the site may have stored except its
// cookies, which ForgetSession deletes by name (the others let the next
// log-in offer association login).
const siteStorage = "appcache,file_systems,indexeddb,local_storage,shader_cache,websql," +
	"service_workers,cache_storage,storage_buckets,shared_storage,other"

// ClearSiteData removes what the browser stores of web WeChat at pageURL
// besides cookies: the site's storage on its origins (the page's host and
// its login., webpush. and file. hosts). See also DropHTTPCache.
func ClearSiteData(ctx context.Context, p *Page, pageURL string) error {
	u, err := url.Parse(pageURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("clearing the site's data: %q is not a web address", pageURL)
	}
	opctx, stop := p.opContext(ctx)
	defer stop()
	for _, origin := range siteOrigins(u) {
		params := storage.ClearDataForOriginParams{Origin: origin, StorageTypes: siteStorage}
		if _, err := cdp.Call(opctx, p.target, storage.ClearDataForOrigin, params); err != nil {
			return fmt.Errorf("clearing the stored data of %s: %w", origin, p.fail(ctx, err))
		}
	}
	return nil
}

// cacheDirs are the directories of a profile that hold Chromium's HTTP
// and code caches.
var cacheDirs = []string{
	filepath.Join("Default", "Cache"), filepath.Join("Default", "Code Cache"),
}

// DropHTTPCache empties the HTTP cache of a launched browser, whose entries
// hold the app's requests and answers with the session's Skey, Sid, Uin
// and pass_ticket: at once through DevTools (which clears the whole
// browser's cache, so an attached browser, the user's own, is left alone),
// and, once Close has stopped the browser, by removing the cache
// directories from the profile, because Chromium deletes the entries still
// open at the clearing only when they close, which may be never before it
// exits.
func (b *Browser) DropHTTPCache(ctx context.Context, p *Page) error {
	if b.endpoint != "" {
		return nil
	}
	b.mu.Lock()
	b.dropCache = true
	b.mu.Unlock()
	opctx, stop := p.opContext(ctx)
	defer stop()
	if _, err := cdp.Call(opctx, p.target, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		return fmt.Errorf("clearing the browser's HTTP cache: %w", p.fail(ctx, err))
	}
	return nil
}

// removeCaches removes the cache directories of a stopped browser's
// profile.
func removeCaches(profile string) error {
	var errs []error
	for _, d := range cacheDirs {
		if err := os.RemoveAll(filepath.Join(profile, d)); err != nil {
			errs = append(errs, fmt.Errorf("removing the browser's cache: %w", err))
		}
	}
	return errors.Join(errs...)
}

// siteOrigins are the origins web WeChat at u uses: its own host and the
// login, push and file hosts beside it (wx.qq.com: login.wx.qq.com,
// webpush.wx.qq.com, file.wx.qq.com). An IP address (the sandbox) has
// none beside it.
func siteOrigins(u *url.URL) []string {
	origins := []string{u.Scheme + "://" + u.Host}
	if net.ParseIP(u.Hostname()) != nil || u.Hostname() == "localhost" {
		return origins
	}
	for _, sub := range []string{"login.", "webpush.", "file."} {
		origins = append(origins, u.Scheme+"://"+sub+u.Host)
	}
	return origins
}
