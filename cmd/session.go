package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/sandbox"
)

// session is web WeChat open in a browser tab, with the sandbox behind it
// when --sandbox asked for one. Every command that drives the app gets one
// from openSession and closes it when done.
type session struct {
	sandbox *sandbox.Server
	browser *browser.Browser
	page    *browser.Page
	// ctx carries the --timeout deadline of the job, and ends early when
	// the web WeChat session ends under the command (see jobContext); the
	// browser itself lives on the command's context (a deadline there
	// would kill it).
	ctx     context.Context
	cancel  context.CancelFunc
	capture string
	// mark is the last call recorded before the command's operation, so
	// that its output lists the calls the operation made.
	mark int
	// url is the address opened: --url, the session's host, the sandbox's.
	url string
	// account is the logged-in user, once the session was checked.
	account *browser.Account
	// keptProfile is the profile directory that keeps the session between
	// runs; "" for an attached browser or a throwaway profile.
	keptProfile string
	// ended ends ctx because the session ended; watch hands it to the
	// watch of another tab.
	ended func(error)
}

// sessionConfig is what a command asks of openSession.
type sessionConfig struct {
	anySession bool          // the command copes with a page without a session
	loggedOut  bool          // the in-process sandbox starts logged out
	autoLogin  time.Duration // and its phone logs in by itself after this long
	noDeadline bool          // the job runs until done: --timeout bounds its steps
}

// sessionOption adjusts openSession for one command.
type sessionOption func(*sessionConfig)

// withoutSession is for the commands about the session itself (login,
// status, logout): openSession neither requires one nor watches it.
func withoutSession() sessionOption {
	return func(c *sessionConfig) { c.anySession = true }
}

// withoutJobDeadline is for a command whose --timeout bounds each of its
// steps (room batch): the job's context, and the watch of the session on
// it, last until the job ends.
func withoutJobDeadline() sessionOption {
	return func(c *sessionConfig) { c.noDeadline = true }
}

// withSandboxLoggedOut starts the in-process sandbox logged out, its phone
// scanning and confirming by itself after d, so that --sandbox shows the
// whole log-in.
func withSandboxLoggedOut(d time.Duration) sessionOption {
	return func(c *sessionConfig) { c.loggedOut, c.autoLogin = true, d }
}

// startSession starts the sandbox if asked, and a browser with a new tab:
// what every command that drives the app needs before it opens the page.
// target is where the app is, --url or the sandbox. On error everything it
// started is closed again.
func startSession(c *cli.Context, useSandbox bool, cfg sessionConfig) (s *session, target string, err error) {
	if err := checkPageFlags(c, useSandbox); err != nil {
		return nil, "", err
	}
	s = &session{capture: c.String(captureFlag.Name)}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	target = c.String(urlFlag.Name)
	if useSandbox {
		if s.sandbox, err = newSandbox(c, !cfg.loggedOut); err != nil {
			return s, target, err
		}
		if cfg.autoLogin > 0 {
			s.sandbox.AutoLogin(cfg.autoLogin)
		}
		if target, err = s.sandbox.Start("127.0.0.1:0"); err != nil {
			return s, target, fmt.Errorf("starting the sandbox: %w", err)
		}
	}
	bopts, err := browserOptions(c, useSandbox)
	if err != nil {
		return s, target, err
	}
	if s.browser, err = browser.Start(c.Context, bopts...); err != nil {
		return s, target, err
	}
	if s.page, err = s.browser.NewPage(c.Context); err != nil {
		return s, target, err
	}
	if !useSandbox || c.String(profileFlag.Name) != "" {
		s.keptProfile = s.browser.ProfileDir()
	}
	return s, target, nil
}

// openSession starts the sandbox if asked, gets a browser, opens the app in
// a new tab and waits until it is an AngularJS app. With --url left at its
// default it opens the host of the session the profile holds. Unless the
// command said withoutSession, it then makes sure the page has a session
// WeChat accepts: without one it fails with exit 3 (or logs in first, with
// --login), for a blocked account with exit 4; and it watches the session
// for the rest of the job. On error everything it started is closed again.
func openSession(c *cli.Context, useSandbox bool, opts ...sessionOption) (s *session, err error) {
	var cfg sessionConfig
	for _, o := range opts {
		o(&cfg)
	}
	token, err := extspamToken(c)
	if err != nil {
		return nil, err
	}
	s, target, err := startSession(c, useSandbox, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	timeout := c.Duration(timeoutFlag.Name)
	deadline := time.Now().Add(timeout)
	octx, ocancel := context.WithDeadline(c.Context, deadline)
	defer ocancel()
	if !useSandbox && !c.IsSet(urlFlag.Name) {
		// An account lives on one host; its cookies say which. Without
		// them the default host is as good as any.
		if host, herr := browser.SessionHost(octx, s.page); herr == nil && host != "" {
			target = "https://" + host + "/"
		}
	}
	if token != "" {
		if err = browser.EnableUOS(octx, s.page, token); err != nil {
			return s, err
		}
		if target, err = browser.UOSURL(target); err != nil {
			return s, usageError{err}
		}
	}
	s.url = target
	if err = s.page.Open(octx, target); err != nil {
		return s, err
	}
	loggedIn := false // a log-in ran here, on its own time
	if !cfg.anySession {
		var acct *browser.Account
		acct, err = s.requireSession(octx, c)
		loggedIn = s.account != nil // only a log-in sets it before we do
		if s.account = acct; err != nil {
			return s, err
		}
	}
	// From here on the session's secrets are masked by value wherever they
	// appear, also where the page returns them under a key of no meaning.
	if err := s.page.MaskSessionSecrets(octx); err != nil && !cfg.anySession {
		return s, err
	}
	// --timeout bounds the whole job, opening the page included, so that
	// no command runs past it; after a log-in, which had its own time,
	// the job's time starts now.
	jobTimeout := time.Until(deadline)
	switch {
	case cfg.noDeadline:
		jobTimeout = 0
	case loggedIn:
		jobTimeout = timeout
	case jobTimeout <= 0:
		return s, fmt.Errorf("opening web WeChat took all of --timeout %v: %w", timeout, context.DeadlineExceeded)
	}
	s.ctx, s.cancel, s.ended = newJobContext(c.Context, jobTimeout)
	if !cfg.anySession {
		s.watch(s.page)
	}
	return s, nil
}

// watch ends the job when the session of page p ends (1100, 1101, 1102 on
// any call or synccheck, or the app logging itself out). A command that
// opens another tab watches it too.
func (s *session) watch(p *browser.Page) {
	browser.WatchSession(s.ctx, p, s.ended)
}

// Page returns the tab the app runs in.
func (s *session) Page() *browser.Page { return s.page }

// Replace closes the tab old and opens a new one in the same browser, which
// the session then closes.
func (s *session) Replace(ctx context.Context, old *browser.Page) (*browser.Page, error) {
	_ = old.Close() // a crashed tab has nothing left to close cleanly
	p, err := s.browser.NewPage(ctx)
	if err != nil {
		return nil, err
	}
	s.page = p
	return p, nil
}

// URL is the address the app was opened at.
func (s *session) URL() string { return s.url }

// Watch ends the job when the session of p ends.
func (s *session) Watch(p *browser.Page) { s.watch(p) }

// Context is the job's context (see jobContext).
func (s *session) Context() context.Context { return s.ctx }

// extspamToken returns the desktop log-in's token when --uos asks for it,
// and a usage error when it is missing. The token is never printed.
func extspamToken(c *cli.Context) (string, error) {
	token := c.String(extspamTokenFlag.Name)
	switch {
	case !c.Bool(uosFlag.Name):
		return "", nil
	case token == "":
		return "", usagef("--uos needs the extspam token of WeChat's desktop client: give --extspam-token, or set WXCTL_EXTSPAM_TOKEN")
	}
	return token, nil
}

// requireSession checks that the page has a session WeChat accepts and
// returns its user. Without one it logs in when --login says so.
func (s *session) requireSession(ctx context.Context, c *cli.Context) (*browser.Account, error) {
	acct, err := browser.CheckSession(ctx, s.page)
	if errors.Is(err, browser.ErrNotLoggedIn) && c.Bool(loginFlag.Name) {
		// The command's own output stays on stdout: the log-in talks on
		// stderr.
		return logIn(c, s, c.App.ErrWriter, err)
	}
	if err != nil {
		return nil, s.explain(c, err)
	}
	return acct, nil
}

// explain turns the session's errors into what a person needs: where wxctl
// looked, what happened, what to do. Other errors pass unchanged.
func (s *session) explain(c *cli.Context, err error) error {
	var blocked *browser.LoginBlockedError
	switch {
	case errors.As(err, &blocked):
		return &sessionError{err: err, msg: blockedMessage(blocked, c.Bool(uosFlag.Name))}
	case errors.Is(err, browser.ErrLoginBlocked):
		return &sessionError{err: err, msg: blockedMessage(&browser.LoginBlockedError{}, c.Bool(uosFlag.Name))}
	case errors.Is(err, context.DeadlineExceeded), !errors.Is(err, browser.ErrNotLoggedIn):
		return err
	}
	why := "never logged in, logged out, or the session expired"
	if err != browser.ErrNotLoggedIn {
		why = err.Error() // what WeChat answered, such as webwxinit's Ret 1101
	}
	return &sessionError{err: err, msg: fmt.Sprintf(
		"not logged in to web WeChat at %s in %s (%s); log in first: wxctl login, or add --login",
		hostOf(s.url), s.where(), why)}
}

// where names the place the session is kept, for messages.
func (s *session) where() string {
	switch {
	case s.keptProfile != "":
		return "the profile " + s.keptProfile
	case s.sandbox != nil:
		return "the sandbox's throwaway profile"
	}
	return "the attached browser"
}

// blockedMessage says that WeChat refuses the account on the web, and what
// the desktop mode is.
func blockedMessage(b *browser.LoginBlockedError, uos bool) string {
	msg := "WeChat does not let this account use web WeChat (1203"
	if b.Message != "" {
		msg += fmt.Sprintf(": %q", b.Message)
	}
	msg += ")"
	if uos {
		return msg + ", not even as the desktop client (--uos): the extspam token may be wrong or out of date; use WeChat on the phone or the Windows or Mac client"
	}
	return msg + "; its desktop client for UOS Linux logs in through the same web page with two more headers, " +
		"which wxctl sends with --uos and that client's token (--extspam-token or WXCTL_EXTSPAM_TOKEN); " +
		"otherwise use WeChat on the phone or the Windows or Mac client"
}

// sessionError is a session condition (ErrNotLoggedIn, ErrLoginBlocked)
// told for a person; it keeps the condition for the exit code.
type sessionError struct {
	msg string
	err error
}

func (e *sessionError) Error() string { return e.msg }
func (e *sessionError) Unwrap() error { return e.err }

// hostOf returns the host of a URL, or the URL itself.
func hostOf(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return rawURL
}

// jobContext is a command's context for its work on the page (session.ctx):
// the --timeout deadline and Ctrl-C of its parent, and the end of the web
// WeChat session. When the session ends under the command (the watch of
// openSession sees 1100, 1101 or 1102, or the app logging itself out), the
// operations still waiting on the page stop at once, and Err says why: a
// *sessionEndedError, which is browser.ErrNotLoggedIn (exit 3, "log in
// again") and still context.Canceled for code that checks for a
// cancellation. Without that reason every such failure would read as a
// Ctrl-C or a timeout.
type jobContext struct {
	context.Context // deadline, values, and the parent's end
	done            chan struct{}

	mu  sync.Mutex
	err error
}

// newJobContext returns the job's context, its cancel func, and the func
// that ends it because the session ended.
func newJobContext(parent context.Context, timeout time.Duration) (*jobContext, context.CancelFunc, func(error)) {
	base, cancel := context.WithCancel(parent)
	if timeout > 0 {
		base, cancel = context.WithTimeout(parent, timeout)
	}
	j := &jobContext{Context: base, done: make(chan struct{})}
	// base is a standard context: AfterFunc needs no goroutine for it.
	context.AfterFunc(base, func() { j.end(base.Err()) })
	return j, cancel, func(cause error) { j.end(&sessionEndedError{cause: cause}) }
}

// end ends the context with err, once.
func (j *jobContext) end(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err == nil {
		j.err = err
		close(j.done)
	}
}

// Done is closed when the job ends, for any of its reasons.
func (j *jobContext) Done() <-chan struct{} { return j.done }

// Err says why the job ended: context.DeadlineExceeded, context.Canceled,
// or a *sessionEndedError.
func (j *jobContext) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// sessionEndedError says that the web WeChat session ended while the
// command ran; cause is what showed it.
type sessionEndedError struct{ cause error }

func (e *sessionEndedError) Error() string {
	return "the web WeChat session ended while the command ran (" + e.cause.Error() + ")"
}

// Unwrap returns the cause (browser.ErrNotLoggedIn) and context.Canceled.
func (e *sessionEndedError) Unwrap() []error { return []error{e.cause, context.Canceled} }

// sessionMark is what wxctl keeps beside the browser's profile about the
// session in it: the cookies say whether there is one, not since when.
type sessionMark struct {
	Host       string    `json:"host"`
	LoggedInAt time.Time `json:"loggedInAt"`
}

// sessionMarkName is the file of the sessionMark in the profile directory.
const sessionMarkName = "wxctl-session.json"

// markPath returns where the session's mark lives, "" when the profile is
// not wxctl's (an attached browser) or not kept (a throwaway one).
func (s *session) markPath() string {
	if s.keptProfile == "" {
		return ""
	}
	return filepath.Join(s.keptProfile, sessionMarkName)
}

// saveMark records that the profile logged in to host now.
func (s *session) saveMark(host string) error {
	path := s.markPath()
	if path == "" {
		return nil
	}
	b, err := json.Marshal(sessionMark{Host: host, LoggedInAt: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("recording the log-in time in the profile: %w", err)
	}
	return nil
}

// readMark returns the profile's session mark; ok is false without one.
func (s *session) readMark() (sessionMark, bool) {
	path := s.markPath()
	if path == "" {
		return sessionMark{}, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return sessionMark{}, false
	}
	var m sessionMark
	if json.Unmarshal(b, &m) != nil || m.LoggedInAt.IsZero() {
		return sessionMark{}, false
	}
	return m, true
}

// removeMark forgets the log-in time.
func (s *session) removeMark() error {
	path := s.markPath()
	if path == "" {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}

func newSandbox(c *cli.Context, loggedIn bool) (*sandbox.Server, error) {
	return sandbox.New(
		sandbox.WithAngularJS(c.String(angularFlag.Name)),
		sandbox.WithLoggedIn(loggedIn),
	)
}

// browserOptions turns the browser flags into browser options. The sandbox
// gets a throwaway profile unless one is named: its cookies are for a
// loopback port that changes every run.
func browserOptions(c *cli.Context, useSandbox bool) ([]browser.Option, error) {
	opts := []browser.Option{
		browser.WithExecPath(c.String(chromeFlag.Name)),
		browser.WithVisible(c.Bool(showFlag.Name)),
		browser.WithFlags(c.StringSlice(chromeFlagFlag.Name)...),
	}
	if r := c.String(remoteFlag.Name); r != "" {
		if c.Bool(showFlag.Name) {
			return nil, usagef("--show and --remote do not go together: an attached browser shows what it shows")
		}
		if c.IsSet(profileFlag.Name) {
			return nil, usagef("--profile and --remote do not go together: an attached browser has its own profile")
		}
		// The attached browser's own profile holds the session.
		return append(opts, browser.WithRemote(r)), nil
	}
	switch dir := c.String(profileFlag.Name); {
	case dir != "":
		opts = append(opts, browser.WithProfile(dir))
	case useSandbox:
		opts = append(opts, browser.WithTempProfile())
	default:
		dir, err := browser.DefaultProfileDir()
		if err != nil {
			return nil, fmt.Errorf("finding the default profile directory (set --profile): %w", err)
		}
		opts = append(opts, browser.WithProfile(dir))
	}
	return opts, nil
}

// Close writes the capture file if asked and closes the tab, the browser and
// the sandbox. It returns the first error.
func (s *session) Close() error {
	var errs []error
	if s.page != nil && s.capture != "" {
		errs = append(errs, writeCapture(s.capture, s.page.Calls()))
	}
	if s.cancel != nil {
		s.cancel()
	}
	if s.page != nil {
		errs = append(errs, s.page.Close())
	}
	if s.browser != nil {
		errs = append(errs, s.browser.Close())
	}
	if s.sandbox != nil {
		errs = append(errs, s.sandbox.Close())
	}
	return errors.Join(errs...)
}

// writeCapture saves the recorded calls, redacted, as a JSON array.
func writeCapture(path string, calls []browser.NetCall) error {
	out := make([]callJSON, len(calls))
	for i, c := range calls {
		out[i] = newCallJSON(c)
	}
	b, err := marshalJSON(out)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, browser.Redact(b), 0o600); err != nil {
		return fmt.Errorf("writing --capture: %w", err)
	}
	return nil
}
