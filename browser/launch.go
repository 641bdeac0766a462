package browser

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
)

// Option configures Start.
type Option func(*config)

type config struct {
	execPath    string
	visible     bool
	profile     string
	tempProfile bool
	flags       []string
	remote      string
}

// WithExecPath runs the browser binary at path (or found on PATH under that
// name). "" detects one: for headless runs chromium-headless-shell first,
// which starts twice as fast and takes half the memory, then the real
// Chromium binary (/usr/lib/chromium/chromium rather than the /usr/bin
// wrapper script), then google-chrome or chromium on PATH; for a visible
// window the full Chromium or Chrome.
func WithExecPath(path string) Option {
	return func(c *config) { c.execPath = path }
}

// WithVisible shows the browser window (for logging in with a QR code, or to
// watch). Start returns ErrNoDisplay when there is no display.
func WithVisible(show bool) Option {
	return func(c *config) { c.visible = show }
}

// WithProfile keeps the browser's data (the web WeChat session) in dir,
// created 0700 when missing. "" means DefaultProfileDir.
func WithProfile(dir string) Option {
	return func(c *config) { c.profile, c.tempProfile = dir, false }
}

// WithTempProfile uses a new empty profile that Close removes: no session
// survives. For tests and the sandbox demo.
func WithTempProfile() Option {
	return func(c *config) { c.profile, c.tempProfile = "", true }
}

// WithFlags adds raw Chromium switches, "--name" or "--name=value". The value
// reaches Chromium whole, commas and spaces included, as in
// "--host-resolver-rules=MAP a 127.0.0.1:8443, MAP b 127.0.0.1:8443". A flag
// given again replaces the earlier value, also one of wxctl's defaults.
func WithFlags(flags ...string) Option {
	return func(c *config) { c.flags = append(c.flags, flags...) }
}

// WithRemote attaches to a browser that already runs with a debugging port,
// at "http://127.0.0.1:9222" (or host:port, or a ws:// address), instead of
// launching one. Close then closes only the tabs wxctl opened. The profile
// and exec options do not apply.
func WithRemote(endpoint string) Option {
	return func(c *config) { c.remote = endpoint }
}

// Browser is a running Chromium that wxctl launched, or one it attached to.
type Browser struct {
	execPath string // the binary launched; "" when attached
	endpoint string // the address attached to; "" when launched
	profile  string // the user data dir of a launched browser
	temp     bool   // profile is ours to delete
	lock     *profileLock
	// cmd is the launched process, so that a browser that exits before
	// DevTools answers can be told by its exit status.
	cmd *exec.Cmd

	allocCtx    context.Context
	allocCancel context.CancelFunc
	ctx         context.Context // the browser's root chromedp context
	cancel      context.CancelFunc

	mu      sync.Mutex
	pages   map[*Page]struct{}
	closing bool
	// dropCache removes the profile's caches once the browser has stopped
	// (see DropHTTPCache).
	dropCache bool
	spare     target.ID // a launched browser's first tab, until NewPage takes it
	// visible: the browser quits with its last window, so a page in its
	// first tab leaves the tab open when it closes (blank).
	visible bool

	// chromedp's cancel funcs must run once: a second run can block for
	// ever on a browser that never started.
	abortOnce sync.Once
	closeOnce sync.Once
	closeErr  error
}

// closeTimeout bounds the graceful close, which lets Chromium write the
// session cookies to the profile; after it the processes are killed.
const closeTimeout = 10 * time.Second

// Start launches a browser (or attaches to one, WithRemote) and returns it
// ready for NewPage. Without WithProfile or WithTempProfile it uses
// DefaultProfileDir. ctx bounds the start only: the browser then lives until
// Close, whatever happens to ctx, so a caller may start with a timeout.
func Start(ctx context.Context, opts ...Option) (*Browser, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.remote != "" {
		return attach(ctx, cfg)
	}
	return launch(ctx, cfg)
}

// defaultFlags are switched on for every launch. Timer throttling and
// renderer backgrounding would slow AngularJS digests in background tabs
// (they run on timers); this machine class has no network for component,
// sync and background updates, which Chromium otherwise keeps retrying.
var defaultFlags = []string{
	"disable-background-timer-throttling",
	"disable-renderer-backgrounding",
	"disable-backgrounding-occluded-windows",
	"disable-background-networking",
	"disable-component-update",
	"disable-sync",
	"no-first-run",
	"disable-gpu",
}

func launch(ctx context.Context, cfg config) (_ *Browser, err error) {
	// A profile that cannot be used is the user's to fix, whatever the
	// browser: it is checked first.
	b := &Browser{pages: make(map[*Page]struct{})}
	if err := b.takeProfile(cfg); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			b.releaseProfile()
		}
	}()
	if b.execPath, err = findBrowser(cfg.execPath, cfg.visible); err != nil {
		return nil, err
	}
	if cfg.visible && !hasDisplay() {
		return nil, ErrNoDisplay
	}
	userFlags, websocket, err := parseFlags(cfg.flags)
	if err != nil {
		return nil, err
	}

	opts := slices.Clone(chromedp.DefaultExecAllocatorOptions[:])
	opts = append(opts, chromedp.ExecPath(b.execPath), chromedp.UserDataDir(b.profile),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			dieWithParent(cmd)
			b.cmd = cmd
		}))
	for _, name := range defaultFlags {
		opts = append(opts, chromedp.Flag(name, true))
	}
	if cfg.visible {
		opts = append(opts, chromedp.VisibleWindow)
	}
	opts = append(opts, userFlags...)
	if websocket {
		opts = append(opts, remote.WebSocket)
	}

	// The browser must outlive ctx (see Start), so only ctx's values pass.
	b.allocCtx, b.allocCancel = chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
	b.ctx, b.cancel = chromedp.NewContext(b.allocCtx)
	// The first run starts the browser and binds its life to b.ctx, so it
	// carries no deadline; ctx is honoured by abandoning it instead. It is a
	// browser-level command: chromedp would otherwise attach b.ctx to the
	// browser's first tab, a dozen round trips on a tab nobody uses, and
	// NewPage would open a second one.
	err = runFirst(ctx, func() error {
		res, err := chromedp.CallBrowser(b.ctx, target.GetTargets, target.GetTargetsParams{})
		if err != nil {
			return err
		}
		// The first page opens in the browser's own first tab, so that
		// --show shows one window, not a blank one beside wxctl's.
		b.spare, b.visible = blankTab(res.TargetInfos), cfg.visible
		return nil
	}, b.abort)
	if err != nil {
		return nil, b.startError(ctx, err)
	}
	return b, nil
}

// blankTab returns the tab a browser starts with, empty and unattached, or
// "" when there is none (yet).
func blankTab(tabs []*target.Info) target.ID {
	for _, t := range tabs {
		if t.Type == "page" && !t.Attached && t.URL == "about:blank" {
			return t.TargetID
		}
	}
	return ""
}

func attach(ctx context.Context, cfg config) (*Browser, error) {
	endpoint := cfg.remote
	if !strings.Contains(endpoint, "://") {
		endpoint = "http://" + endpoint
	}
	b := &Browser{endpoint: endpoint, pages: make(map[*Page]struct{})}
	b.allocCtx, b.allocCancel = remote.NewAllocator(context.WithoutCancel(ctx), endpoint)
	b.ctx, b.cancel = chromedp.NewContext(b.allocCtx)
	// A browser-level command connects without opening a tab of our own: each
	// NewPage opens one, and those are all Close shuts.
	err := runFirst(ctx, func() error {
		_, err := chromedp.CallBrowser(b.ctx, cdpbrowser.GetVersion, cdp.Empty{})
		return err
	}, b.abort)
	if err != nil {
		b.abort()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &classError{class: ErrNoBrowser, cause: err, msg: fmt.Sprintf(
			"cannot attach to the browser at %s: %v: is Chrome running with --remote-debugging-port?", cfg.remote, err)}
	}
	return b, nil
}

// runFirst runs start, the first chromedp run of a context, which must have
// no deadline; when ctx ends first it calls abort and waits for start.
func runFirst(ctx context.Context, start func() error, abort func()) error {
	done := make(chan error, 1)
	go func() { done <- start() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		abort()
		<-done
		return ctx.Err()
	}
}

// abort stops the browser at once, without a graceful close.
func (b *Browser) abort() {
	b.abortOnce.Do(func() {
		b.cancel()
		b.allocCancel()
	})
}

// startError explains why the launch failed, after stopping what started.
func (b *Browser) startError(ctx context.Context, err error) error {
	b.abort()
	if b.profile != "" {
		reapProfileProcesses(b.profile, 0)
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, chromedp.ErrNoDisplay):
		return ErrNoDisplay
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return &classError{class: ErrNoBrowser, cause: err, msg: fmt.Sprintf("cannot run the browser %s: %v", b.execPath, err)}
	}
	// chromedp fails the start only after the process ended: its status
	// is known then, and says more than chromedp's "failed to start".
	if b.cmd != nil && b.cmd.ProcessState != nil && strings.Contains(err.Error(), "failed to start") {
		msg := fmt.Sprintf("the browser %s exited with status %d before DevTools answered: is it Chrome or Chromium?",
			b.execPath, b.cmd.ProcessState.ExitCode())
		if out := strings.TrimSpace(strings.TrimPrefix(err.Error(), "chrome failed to start:")); out != "" {
			msg += " It said: " + clipText(strings.Join(strings.Fields(out), " "), 300)
		}
		if holder := lockHolder(filepath.Join(b.profile, chromeLockName), true); holder == "" {
			return &classError{class: ErrNoBrowser, cause: err, msg: msg}
		}
	}
	// Two Chromiums raced for the profile: the loser aborts at once.
	if holder := lockHolder(filepath.Join(b.profile, chromeLockName), true); holder != "" {
		return profileInUse(b.profile, holder, chromeLockName)
	}
	return fmt.Errorf("starting the browser %s: %w", b.execPath, err)
}

func (b *Browser) takeProfile(cfg config) error {
	if cfg.tempProfile {
		dir, err := os.MkdirTemp("", "wxctl-profile-")
		if err != nil {
			return fmt.Errorf("creating a temporary profile: %w", err)
		}
		b.profile, b.temp = dir, true
		return nil
	}
	dir := cfg.profile
	if dir == "" {
		var err error
		if dir, err = DefaultProfileDir(); err != nil {
			return err
		}
	}
	// Chromium's children are found by the exact --user-data-dir value.
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("profile directory %s: %w", cfg.profile, err)
	}
	if err := prepareProfileDir(dir); err != nil {
		return err
	}
	lock, err := lockProfile(dir)
	if err != nil {
		return err
	}
	b.profile, b.lock = dir, lock
	return nil
}

func (b *Browser) releaseProfile() {
	b.lock.release()
	b.lock = nil
	if b.temp {
		b.closeErr = removeProfile(b.profile)
	}
}

// Close closes the browser: gracefully, so the profile keeps the session,
// then makes sure none of its processes is left. For an attached browser it
// closes only the tabs wxctl opened. Close is idempotent.
func (b *Browser) Close() error {
	b.closeOnce.Do(b.shutdown)
	return b.closeErr
}

func (b *Browser) shutdown() {
	b.mu.Lock()
	b.closing = true
	pages := slices.Collect(maps.Keys(b.pages))
	b.mu.Unlock()
	// Tabs first: an attached browser's tabs must close while the
	// connection is still up.
	for _, p := range pages {
		_ = p.Close()
	}
	if b.endpoint != "" {
		b.abort()
		// The remote allocator closes its websocket in a goroutine.
		chromedp.FromContext(b.allocCtx).Allocator.Wait()
		return
	}
	if !b.lost() {
		ctx, cancel := context.WithTimeout(b.ctx, closeTimeout)
		// An error here (the pipe closing before the answer) leaves the
		// browser to the kill below; there is nothing else to do about it.
		_ = chromedp.Cancel(ctx)
		cancel()
	}
	b.abort()
	reapProfileProcesses(b.profile, time.Second)
	b.mu.Lock()
	drop := b.dropCache
	b.mu.Unlock()
	if drop {
		b.closeErr = removeCaches(b.profile)
	}
	b.releaseProfile()
}

// lost reports whether the browser is gone: closed, or its connection lost
// (it crashed or was killed).
func (b *Browser) lost() bool {
	if b.ctx.Err() != nil {
		return true
	}
	if c := chromedp.FromContext(b.ctx); c != nil && c.Browser != nil {
		select {
		case <-c.Browser.LostConnection:
			return true
		default:
		}
	}
	return false
}

// goneError wraps err as ErrBrowserGone.
func (b *Browser) goneError(err error) error {
	b.mu.Lock()
	closing := b.closing
	b.mu.Unlock()
	msg := "the browser is gone (it crashed or was killed): start it again"
	if closing {
		msg = "the browser was closed"
	}
	if err != nil {
		msg += ": " + err.Error()
	}
	return &classError{class: ErrBrowserGone, msg: msg, cause: err}
}

// Candidates for auto-detection, in order of preference (see WithExecPath).
var (
	headlessBrowsers = []string{
		"/usr/lib/chromium/chromium-headless-shell",
		"/usr/lib/chromium/chromium",
		"chromium-headless-shell", "headless_shell", "headless-shell",
		"google-chrome", "google-chrome-stable", "chromium", "chromium-browser", "chrome",
	}
	visibleBrowsers = []string{
		"/usr/lib/chromium/chromium",
		"google-chrome", "google-chrome-stable", "chromium", "chromium-browser", "chrome",
		"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
		"/Applications/Chromium.app/Contents/MacOS/Chromium",
	}
)

// findBrowser resolves the binary to launch.
func findBrowser(path string, visible bool) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", &classError{class: ErrNoBrowser, cause: err, msg: fmt.Sprintf("the browser %s cannot be run: %v", path, err)}
		}
		return p, nil
	}
	list := headlessBrowsers
	if visible {
		list = visibleBrowsers
	}
	for _, name := range list {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// hasDisplay reports whether a window can be shown. Only X11 and Wayland
// systems need a display variable.
func hasDisplay() bool {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// parseFlags turns raw switches into allocator flags. The value is split
// from the name once, at the first '=', and passed on untouched.
func parseFlags(flags []string) (opts []chromedp.ExecAllocatorOption, websocket bool, err error) {
	for _, f := range flags {
		if f == "" {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if !strings.HasPrefix(f, "--") || name == "" {
			return nil, false, fmt.Errorf("browser flag %q: want --name or --name=value", f)
		}
		switch name {
		case "user-data-dir":
			return nil, false, fmt.Errorf("browser flag %q: choose the profile with the profile option instead", f)
		case "remote-debugging-pipe":
			return nil, false, fmt.Errorf("browser flag %q: wxctl manages the DevTools connection", f)
		case "remote-debugging-port", "remote-debugging-address":
			// A port needs chromedp's websocket transport instead of the pipe.
			websocket = true
		}
		if hasValue {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	return opts, websocket, nil
}
