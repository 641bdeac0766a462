package browser

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Conditions a caller branches on, with errors.Is. The messages say what to do.
var (
	// ErrNoBrowser means no Chrome or Chromium was found, or the path given
	// does not run.
	ErrNoBrowser = errors.New("no Chrome or Chromium found: install one " +
		"(apt-get install chromium-headless-shell, or chromium for a visible window) " +
		"or give the path of its binary")

	// ErrNoDisplay means a visible window was asked for where there is no
	// display.
	ErrNoDisplay = errors.New("a visible browser window needs a display, and DISPLAY and " +
		"WAYLAND_DISPLAY are both empty: run under xvfb-run (xvfb-run -a wxctl …), " +
		"or leave the window hidden (headless)")

	// ErrProfileInUse means another live browser (or wxctl) holds the
	// profile directory. Two browsers on one profile corrupt it.
	ErrProfileInUse = errors.New("the browser profile is in use by another browser")

	// ErrAppNotReady means the page is not (yet) a running web WeChat: no
	// AngularJS injector. *NotAppError says what the page was instead.
	ErrAppNotReady = errors.New("web WeChat is not running in the page")

	// ErrBrowserGone means the browser closed or crashed under wxctl.
	ErrBrowserGone = errors.New("the browser is gone (closed or crashed): start it again")

	// ErrPageClosed means the page (tab) was closed.
	ErrPageClosed = errors.New("the page was closed")

	// ErrPageCrashed means the page's renderer crashed; it is also
	// ErrPageClosed: the tab is of no more use, open another.
	ErrPageCrashed = fmt.Errorf("the page crashed: %w", ErrPageClosed)

	// ErrNavigated means the document went away while a call ran in it (the
	// page reloaded or navigated): whatever the call had started may or may
	// not have finished.
	ErrNavigated = errors.New("the page navigated away during the call")

	// ErrServiceMissing means the app has no such injector service or no
	// such method on it; web WeChat may have changed. *ServiceError names
	// which.
	ErrServiceMissing = errors.New("the app has no such service or method")
)

// NotAppError describes a page that did not become web WeChat: what was
// found at the URL instead. It wraps ErrAppNotReady, and the cause (such as
// context.DeadlineExceeded) when there is one.
type NotAppError struct {
	URL      string // the URL that was opened
	FinalURL string // where the page ended up, when known
	Title    string // the page title, when known
	Snippet  string // the start of the page's visible text
	// Blocked is true when the page shows the 1203 text: this account may
	// not use web WeChat.
	Blocked bool
	// Loaded is true when the page finished loading without AngularJS, so
	// that Open did not wait for its deadline.
	Loaded bool
	// NavError says why the page did not load at all: the browser's
	// navigation error, such as "net::ERR_CONNECTION_REFUSED", or that the
	// server did not answer in time.
	NavError string
	Err      error
}

// Error says what was opened and what the page was instead.
func (e *NotAppError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "open %s: ", e.URL)
	switch {
	case e.NavError != "":
		fmt.Fprintf(&b, "the page did not load (%s): check the URL and that the server is up", e.NavError)
		return b.String()
	case e.Blocked:
		b.WriteString("the page says this account cannot log in to web WeChat (1203): use WeChat on the phone or desktop")
	case e.Loaded:
		b.WriteString("not web WeChat: the page loaded without AngularJS; check --url")
	default:
		b.WriteString("web WeChat did not come up (no AngularJS injector)")
		if e.Err != nil {
			fmt.Fprintf(&b, " before %v", e.Err)
		}
	}
	var found []string
	if e.Title != "" {
		found = append(found, fmt.Sprintf("title %q", e.Title))
	}
	if e.FinalURL != "" && e.FinalURL != e.URL {
		found = append(found, "at "+e.FinalURL)
	}
	if e.Snippet != "" {
		found = append(found, fmt.Sprintf("text %q", e.Snippet))
	}
	if len(found) > 0 {
		b.WriteString("; the page has " + strings.Join(found, ", "))
	}
	return b.String()
}

// Unwrap returns ErrAppNotReady and the cause.
func (e *NotAppError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrAppNotReady}
	}
	return []error{ErrAppNotReady, e.Err}
}

// ServiceError says that the app's injector has no service Service, or, when
// Method is set, that the service has no method Method. It is ErrServiceMissing.
type ServiceError struct {
	Service string
	Method  string
}

// Error names the missing service or method.
func (e *ServiceError) Error() string {
	if e.Method == "" {
		return fmt.Sprintf("the app has no service %q: web WeChat may have changed, or the page is not web WeChat", e.Service)
	}
	return fmt.Sprintf("the app's service %q has no method %q: web WeChat may have changed", e.Service, e.Method)
}

// Is reports whether target is ErrServiceMissing.
func (e *ServiceError) Is(target error) bool { return target == ErrServiceMissing }

// ScriptError is a JavaScript error in the page: a script (or the service
// method that Call ran) threw, did not compile, or, for Run, its promise
// rejected; then Value holds the rejection value as plain JSON.
type ScriptError struct {
	Script  string // scripts.Script.Name: "call" for Call, "eval" for Eval
	Message string
	Stack   string
	Value   json.RawMessage
}

// Error gives the script and the JavaScript message, or the rejection value.
func (e *ScriptError) Error() string {
	if e.Value != nil {
		return fmt.Sprintf("script %s: promise rejected with %s", e.Script, clipText(string(e.Value), 200))
	}
	return fmt.Sprintf("script %s: JavaScript error: %s", e.Script, e.Message)
}

// classError is an error of one of the sentinel classes above with its own
// message: errors.Is finds the class, errors.As the cause.
type classError struct {
	class error
	msg   string
	cause error
}

func (e *classError) Error() string { return e.msg }

func (e *classError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.class}
	}
	return []error{e.class, e.cause}
}

// clipText cuts s to at most n bytes, on a rune boundary, marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// IsChange reports whether endpoint changes something at WeChat (creates a
// group, changes one, sends a message). Only after such a request may have
// left is an unanswered call's outcome unknown; any other request is a read,
// and its failure leaves WeChat as it was.
func IsChange(endpoint string) bool {
	switch endpoint {
	case EndpointCreateRoom, EndpointUpdateRoom, EndpointSendMsg:
		return true
	}
	return false
}

// StoppedError says that a call was cut short by the end of the job rather
// than by a timeout: the web WeChat session ended under it (Err is then
// ErrNotLoggedIn) or wxctl was interrupted (context.Canceled). It says
// whether the request had been sent, which is all that is known of it.
type StoppedError struct {
	Op     string
	Sent   bool // the page's request was seen leaving
	Change bool // Op changes something at WeChat (see IsChange)
	Err    error
}

// Error says what stopped the call and what became of the request.
func (e *StoppedError) Error() string {
	why := "interrupted (Ctrl-C or SIGTERM)"
	if errors.Is(e.Err, ErrNotLoggedIn) {
		why = e.Err.Error()
	}
	switch {
	case !e.Change:
		return fmt.Sprintf("%s during %s, a read that changes nothing", why, e.Op)
	case e.Sent:
		return fmt.Sprintf("%s after %s was sent, before its answer came: it may or may not have taken effect; check in WeChat", why, e.Op)
	}
	return fmt.Sprintf("%s before %s was sent: nothing was sent", why, e.Op)
}

// Unwrap returns the reason the job ended.
func (e *StoppedError) Unwrap() error { return e.Err }

// stalled is a read that got no answer before ctx ended: the page did not
// get what it needed in time, and nothing changed at WeChat.
func stalled(endpoint string, err error) error {
	return &classError{class: ErrAppNotReady, cause: err,
		msg: fmt.Sprintf("%s did not answer in time (a read, which changes nothing)", endpoint)}
}

// checkChange is CheckAnswer for a change (see IsChange): a request that got
// no answer, or an answer that is not WeChat's (cut short, a proxy's page),
// may have done its work at WeChat, so its outcome is unknown. An HTTP error
// status is a refusal.
func checkChange(op string, c NetCall) error {
	err := CheckAnswer(op, c)
	var h *HTTPError
	if errors.As(err, &h) && h.Status == 0 {
		return &UnknownOutcomeError{Op: op, Sent: true, Err: err}
	}
	return err
}
