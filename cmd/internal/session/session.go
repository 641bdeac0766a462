package session

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

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/sandbox"
)

// Options are what a command asks of its session: the browser and page
// flags, read by the command, and how the command copes with a session.
// The zero value of each field is the default of its flag; cmd checks the
// flags that must go together before it calls Open.
type Options struct {
	URL     string // web WeChat's address (--url)
	URLSet  bool   // --url was given; else the host of the profile's session is opened
	Sandbox bool   // start the in-process sandbox and open it instead of URL
	Angular string // the AngularJS file the sandbox serves

	Chrome      string   // the browser executable; "" finds one
	Show        bool     // a visible window
	ChromeFlags []string // extra command-line switches
	Remote      string   // attach to this DevTools endpoint instead of launching
	Profile     string   // the profile directory; "" the default one (a throwaway one for the sandbox)

	// Timeout bounds the opening of the page and, unless NoDeadline, the
	// whole job (--timeout).
	Timeout time.Duration
	// Capture is the file the page's recorded calls are written to when
	// the session closes, with WriteCalls (--capture).
	Capture    string
	WriteCalls func(path string, calls []browser.NetCall) error
	// HAR is the file the page's recorded calls are written to as HAR 1.2
	// when the session closes (--har).
	HAR string
	// TraceDir is the folder of --trace: the page's console, DOM and
	// screenshot at each failed call and at the end, and the HAR.
	TraceDir string
	// Version is wxctl's, named as the creator of HAR files and traces.
	Version string

	// ExtspamToken, when not "", opens the page as WeChat's desktop
	// client for UOS does (--uos).
	ExtspamToken string
	UOS          bool // --uos was given: the messages about a blocked account say so

	// LogIn logs in when the page has no session (--login); nil fails with
	// exit 3. cause is what showed that there is none.
	LogIn func(ctx context.Context, s *Session, cause error) (*browser.Account, error)

	AnySession bool          // the command copes with a page without a session: neither required nor watched
	LoggedOut  bool          // the in-process sandbox starts logged out
	AutoLogin  time.Duration // and its phone logs in by itself after this long
	NoDeadline bool          // the job runs until done: Timeout bounds its steps
}

// Session is web WeChat open in a browser tab, with the sandbox behind it
// when asked for. Every command that drives the app gets one from Open
// and closes it when done.
type Session struct {
	Sandbox *sandbox.Server
	Browser *browser.Browser
	Page    *browser.Page
	// URL is the address opened: --url, the session's host, the
	// sandbox's.
	URL string
	// Account is the logged-in user, once the session was checked.
	Account *browser.Account
	// KeptProfile is the profile directory that keeps the session between
	// runs; "" for an attached browser or a throwaway profile.
	KeptProfile string

	opts Options
	// trace is --trace's writer, nil without; stopTrace ends its watch for
	// failed calls.
	trace     *browser.Tracer
	stopTrace func()
	// ctx carries the --timeout deadline of the job, and ends early when
	// the web WeChat session ends under the command (see jobContext); the
	// browser itself lives on the command's context (a deadline there
	// would kill it).
	ctx    context.Context
	cancel context.CancelFunc
	// ended ends ctx because the session ended; watch hands it to the
	// watch of another tab.
	ended func(error)
	// mark is the last call recorded before the command's operation, so
	// that its output lists the calls the operation made.
	mark int
}

// Start starts the sandbox if asked, and a browser with a new tab: what
// every command that drives the app needs before it opens the page. It
// returns where the app is (the URL option or the sandbox) without
// opening it. On error everything it started is closed again.
func Start(ctx context.Context, o Options) (s *Session, target string, err error) {
	s = &Session{opts: o}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	if o.TraceDir != "" {
		if s.trace, err = browser.NewTracer(o.TraceDir, o.Version); err != nil {
			return s, "", fmt.Errorf("--trace %s: %w", o.TraceDir, err)
		}
	}
	target = o.URL
	if o.Sandbox {
		if s.Sandbox, err = sandbox.New(sandbox.WithAngularJS(o.Angular), sandbox.WithLoggedIn(!o.LoggedOut)); err != nil {
			return s, target, err
		}
		if o.AutoLogin > 0 {
			s.Sandbox.AutoLogin(o.AutoLogin)
		}
		if target, err = s.Sandbox.Start("127.0.0.1:0"); err != nil {
			return s, target, fmt.Errorf("starting the sandbox: %w", err)
		}
	}
	bopts, err := browserOptions(o)
	if err != nil {
		return s, target, err
	}
	if s.Browser, err = browser.Start(ctx, bopts...); err != nil {
		return s, target, err
	}
	if s.Page, err = s.Browser.NewPage(ctx); err != nil {
		return s, target, err
	}
	if s.trace != nil {
		s.stopTrace = s.trace.Watch(ctx, s.Page)
	}
	if !o.Sandbox || o.Profile != "" {
		s.KeptProfile = s.Browser.ProfileDir()
	}
	return s, target, nil
}

// SetJob gives a session from Start, whose page the command opens itself,
// its address and a job context ending after timeout.
func (s *Session) SetJob(ctx context.Context, url string, timeout time.Duration) {
	s.URL = url
	s.ctx, s.cancel = context.WithTimeout(ctx, timeout)
}

// Open starts the sandbox if asked, gets a browser, opens the app in a
// new tab and waits until it is an AngularJS app. Without the URL option
// given it opens the host of the session the profile holds. Unless
// AnySession, it then makes sure the page has a session WeChat accepts:
// without one it fails with browser.ErrNotLoggedIn (or logs in first,
// with LogIn), for a blocked account with browser.ErrLoginBlocked; and it
// watches the session for the rest of the job. On error everything it
// started is closed again.
func Open(ctx context.Context, o Options) (s *Session, err error) {
	s, target, err := Start(ctx, o)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	deadline := time.Now().Add(o.Timeout)
	octx, ocancel := context.WithDeadline(ctx, deadline)
	defer ocancel()
	if !o.Sandbox && !o.URLSet {
		// An account lives on one host; its cookies say which. Without
		// them the default host is as good as any.
		if host, herr := browser.SessionHost(octx, s.Page); herr == nil && host != "" {
			target = "https://" + host + "/"
		}
	}
	if o.ExtspamToken != "" {
		if err = browser.EnableUOS(octx, s.Page, o.ExtspamToken); err != nil {
			return s, err
		}
		if target, err = browser.UOSURL(target); err != nil {
			return s, &badInputError{err}
		}
	}
	s.URL = target
	if err = s.Page.Open(octx, target); err != nil {
		return s, err
	}
	loggedIn := false // a log-in ran here, on its own time
	if !o.AnySession {
		var acct *browser.Account
		acct, err = s.requireSession(octx)
		loggedIn = s.Account != nil // only a log-in sets it before we do
		if s.Account = acct; err != nil {
			return s, err
		}
	}
	// From here on the session's secrets are masked by value wherever they
	// appear, also where the page returns them under a key of no meaning.
	if err := s.Page.MaskSessionSecrets(octx); err != nil && !o.AnySession {
		return s, err
	}
	// Timeout bounds the whole job, opening the page included, so that
	// no command runs past it; after a log-in, which had its own time,
	// the job's time starts now.
	jobTimeout := time.Until(deadline)
	switch {
	case o.NoDeadline:
		jobTimeout = 0
	case loggedIn:
		jobTimeout = o.Timeout
	case jobTimeout <= 0:
		return s, fmt.Errorf("opening web WeChat took all of --timeout %v: %w", o.Timeout, context.DeadlineExceeded)
	}
	s.ctx, s.cancel, s.ended = newJobContext(ctx, jobTimeout)
	if !o.AnySession {
		s.watch(s.Page)
	}
	return s, nil
}

// Context is the job's context: the --timeout deadline and Ctrl-C of the
// command, and the end of the web WeChat session (see jobContext).
func (s *Session) Context() context.Context { return s.ctx }

// watch ends the job when the session of page p ends (1100, 1101, 1102 on
// any call or synccheck, or the app logging itself out). A command that
// opens another tab watches it too.
func (s *Session) watch(p *browser.Page) {
	browser.WatchSession(s.ctx, p, s.ended)
}

// Watch ends the job when the session of p, another tab, ends.
func (s *Session) Watch(p *browser.Page) { s.watch(p) }

// Tab returns the tab the app runs in.
func (s *Session) Tab() *browser.Page { return s.Page }

// AppURL is the address the app was opened at.
func (s *Session) AppURL() string { return s.URL }

// Replace closes the tab old and opens a new one in the same browser,
// which becomes the session's page and is closed with it.
func (s *Session) Replace(ctx context.Context, old *browser.Page) (*browser.Page, error) {
	_ = old.Close() // a crashed tab has nothing left to close cleanly
	p, err := s.Browser.NewPage(ctx)
	if err != nil {
		return nil, err
	}
	s.Page = p
	return p, nil
}

// BeginOperation marks the start of the command's operation: OpCalls
// lists the calls made after it.
func (s *Session) BeginOperation() { s.mark = s.Page.LastSeq() }

// OpCalls are the app's own requests since the operation began, without
// the push channel's polling.
func (s *Session) OpCalls() []browser.NetCall {
	var out []browser.NetCall
	for _, call := range s.Page.Calls() {
		if call.Seq <= s.mark {
			continue
		}
		switch call.Endpoint {
		case "synccheck", "webwxsync":
			continue
		}
		out = append(out, call)
	}
	return out
}

// requireSession checks that the page has a session WeChat accepts and
// returns its user. Without one it logs in when the options say so.
func (s *Session) requireSession(ctx context.Context) (*browser.Account, error) {
	acct, err := browser.CheckSession(ctx, s.Page)
	if errors.Is(err, browser.ErrNotLoggedIn) && s.opts.LogIn != nil {
		return s.opts.LogIn(ctx, s, err)
	}
	if err != nil {
		return nil, s.Explain(err)
	}
	return acct, nil
}

// Explain turns the session's errors into what a person needs: where wxctl
// looked, what happened, what to do. Other errors pass unchanged.
func (s *Session) Explain(err error) error {
	var blocked *browser.LoginBlockedError
	switch {
	case errors.As(err, &blocked):
		return &Error{err: err, msg: blockedMessage(blocked, s.opts.UOS)}
	case errors.Is(err, browser.ErrLoginBlocked):
		return &Error{err: err, msg: blockedMessage(&browser.LoginBlockedError{}, s.opts.UOS)}
	case errors.Is(err, context.DeadlineExceeded), !errors.Is(err, browser.ErrNotLoggedIn):
		return err
	}
	why := "never logged in, logged out, or the session expired"
	if err != browser.ErrNotLoggedIn {
		why = err.Error() // what WeChat answered, such as webwxinit's Ret 1101
	}
	return &Error{err: err, msg: fmt.Sprintf(
		"not logged in to web WeChat at %s in %s (%s); log in first: wxctl login, or add --login",
		HostOf(s.URL), s.Where(), why)}
}

// Where names the place the session is kept, for messages.
func (s *Session) Where() string {
	switch {
	case s.KeptProfile != "":
		return "the profile " + s.KeptProfile
	case s.Sandbox != nil:
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

// Error is a session condition (browser.ErrNotLoggedIn,
// browser.ErrLoginBlocked) told for a person; it keeps the condition for
// the exit code.
type Error struct {
	msg string
	err error
}

// NewError tells the session condition err as msg.
func NewError(err error, msg string) *Error { return &Error{msg: msg, err: err} }

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

// badInputError is an address that cannot be used: bad input (exit 2).
type badInputError struct{ err error }

func (e *badInputError) Error() string        { return e.err.Error() }
func (e *badInputError) Unwrap() error        { return e.err }
func (e *badInputError) Is(target error) bool { return target == browser.ErrBadInput }

// HostOf returns the host of a URL, or the URL itself.
func HostOf(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return rawURL
}

// jobContext is a command's context for its work on the page (Session.Context):
// the --timeout deadline and Ctrl-C of its parent, and the end of the web
// WeChat session. When the session ends under the command (the watch of
// Open sees 1100, 1101 or 1102, or the app logging itself out), the
// operations still waiting on the page stop at once, and Err says why: a
// *EndedError, which is browser.ErrNotLoggedIn (exit 3, "log in
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
	return j, cancel, func(cause error) { j.end(&EndedError{Cause: cause}) }
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
// or a *EndedError.
func (j *jobContext) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// EndedError says that the web WeChat session ended while the
// command ran; cause is what showed it.
type EndedError struct{ Cause error }

func (e *EndedError) Error() string {
	return "the web WeChat session ended while the command ran (" + e.Cause.Error() + ")"
}

// Unwrap returns the cause (browser.ErrNotLoggedIn) and context.Canceled.
func (e *EndedError) Unwrap() []error { return []error{e.Cause, context.Canceled} }

// Mark is what wxctl keeps beside the browser's profile about the
// session in it: the cookies say whether there is one, not since when.
type Mark struct {
	Host       string    `json:"host"`
	LoggedInAt time.Time `json:"loggedInAt"`
}

// MarkName is the file of the Mark in the profile directory.
const MarkName = "wxctl-session.json"

// markPath returns where the session's mark lives, "" when the profile is
// not wxctl's (an attached browser) or not kept (a throwaway one).
func (s *Session) markPath() string {
	if s.KeptProfile == "" {
		return ""
	}
	return filepath.Join(s.KeptProfile, MarkName)
}

// SaveMark records that the profile logged in to host now.
func (s *Session) SaveMark(host string) error {
	path := s.markPath()
	if path == "" {
		return nil
	}
	b, err := json.Marshal(Mark{Host: host, LoggedInAt: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("recording the log-in time in the profile: %w", err)
	}
	return nil
}

// ReadMark returns the profile's session mark; ok is false without one.
func (s *Session) ReadMark() (Mark, bool) {
	path := s.markPath()
	if path == "" {
		return Mark{}, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Mark{}, false
	}
	var m Mark
	if json.Unmarshal(b, &m) != nil || m.LoggedInAt.IsZero() {
		return Mark{}, false
	}
	return m, true
}

// RemoveMark forgets the log-in time.
func (s *Session) RemoveMark() error {
	path := s.markPath()
	if path == "" {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}

// browserOptions turns the browser options into the browser's. The
// sandbox gets a throwaway profile unless one is named: its cookies are
// for a loopback port that changes every run.
func browserOptions(o Options) ([]browser.Option, error) {
	opts := []browser.Option{
		browser.WithExecPath(o.Chrome),
		browser.WithVisible(o.Show),
		browser.WithFlags(o.ChromeFlags...),
	}
	if o.Remote != "" {
		// The attached browser's own profile holds the session.
		return append(opts, browser.WithRemote(o.Remote)), nil
	}
	switch {
	case o.Profile != "":
		opts = append(opts, browser.WithProfile(o.Profile))
	case o.Sandbox:
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

// Close writes the capture file, the HAR and the trace's last snapshot if
// asked and closes the tab, the browser and the sandbox. It returns the
// first error.
func (s *Session) Close() error {
	var errs []error
	if s.stopTrace != nil {
		s.stopTrace()
	}
	if s.Page != nil && s.trace != nil {
		if _, err := s.trace.Snapshot(context.Background(), s.Page, "end"); err != nil {
			errs = append(errs, fmt.Errorf("--trace: %w", err))
		}
	}
	if s.Page != nil && s.opts.Capture != "" && s.opts.WriteCalls != nil {
		errs = append(errs, s.opts.WriteCalls(s.opts.Capture, s.Page.Calls()))
	}
	if s.Page != nil && s.opts.HAR != "" {
		errs = append(errs, writeHAR(s.opts.HAR, s.Page, s.opts.Version))
	}
	if s.cancel != nil {
		s.cancel()
	}
	if s.Page != nil {
		errs = append(errs, s.Page.Close())
	}
	if s.Browser != nil {
		errs = append(errs, s.Browser.Close())
	}
	if s.Sandbox != nil {
		errs = append(errs, s.Sandbox.Close())
	}
	return errors.Join(errs...)
}

// writeHAR saves the page's recorded calls, redacted, as HAR 1.2.
func writeHAR(path string, p *browser.Page, version string) error {
	info := p.HARInfo()
	info.Version = version
	b, err := browser.MarshalHAR(p.Calls(), info)
	if err == nil {
		err = os.WriteFile(path, b, 0o600)
	}
	if err != nil {
		return fmt.Errorf("writing --har: %w", err)
	}
	return nil
}
