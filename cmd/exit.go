package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wxctl/wxctl/browser"
	sess "github.com/wxctl/wxctl/cmd/internal/session"
	"github.com/wxctl/wxctl/sandbox"
)

// Exit codes, one per error class; README.md documents them.
const (
	ExitOK             = 0
	ExitUnexpected     = 1
	ExitUsage          = 2 // bad usage or input; nothing was sent
	ExitNotLoggedIn    = 3 // no session or it expired: run wxctl login
	ExitLoginBlocked   = 4 // the account may not use web WeChat (1203)
	ExitRateLimited    = 5 // Ret 1 or 1205
	ExitRefused        = 6 // any other Ret, or an HTTP failure of the call
	ExitBrowser        = 7 // no Chrome, not the web app, a service missing; too slow before a change was sent
	ExitUnknownOutcome = 8 // a change may have reached WeChat: it may or may not have happened
	ExitInterrupted    = 130
)

// exitCodes are all the codes above, in order: README.md's table has a
// row for each.
var exitCodes = []int{ExitOK, ExitUnexpected, ExitUsage, ExitNotLoggedIn, ExitLoginBlocked,
	ExitRateLimited, ExitRefused, ExitBrowser, ExitUnknownOutcome, ExitInterrupted}

// usageError marks errors in how wxctl was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// ExitCode maps an error returned by the app to its exit code.
func ExitCode(err error) int {
	var usage usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &usage), errors.Is(err, browser.ErrBadInput):
		return ExitUsage
	case errors.Is(err, browser.ErrOutcomeUnknown):
		return ExitUnknownOutcome
	case errors.Is(err, browser.ErrNotLoggedIn):
		return ExitNotLoggedIn
	case errors.Is(err, browser.ErrLoginBlocked):
		return ExitLoginBlocked
	case errors.Is(err, browser.ErrRateLimited):
		return ExitRateLimited
	case errors.Is(err, browser.ErrRefused):
		return ExitRefused
	case isBrowserProblem(err):
		return ExitBrowser
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, context.DeadlineExceeded):
		// Before the change was sent a timeout leaves nothing unknown:
		// the page did not get what it needed in time.
		var ns *notSentError
		if errors.As(err, &ns) {
			return ExitBrowser
		}
		return ExitUnknownOutcome
	}
	return ExitUnexpected
}

func isBrowserProblem(err error) bool {
	for _, target := range []error{
		browser.ErrNoBrowser, browser.ErrNoDisplay, browser.ErrProfileInUse,
		browser.ErrAppNotReady, browser.ErrBrowserGone, browser.ErrPageClosed, browser.ErrNavigated,
		browser.ErrServiceMissing,
		sandbox.ErrAngularMissing,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	var script *browser.ScriptError
	return errors.As(err, &script)
}

// hint is the "what to do" that follows an error's message, by class.
func hint(code int) string {
	switch code {
	case ExitNotLoggedIn:
		return "log in first: wxctl login"
	case ExitRateLimited:
		return "WeChat limits this strictly; wait (minutes to an hour) before trying again"
	case ExitUnknownOutcome:
		return "check in WeChat whether it happened before trying again, or raise --timeout"
	}
	return ""
}

// errorLine is the one line printed on stderr for a failed command.
func errorLine(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	h := hint(ExitCode(err))
	if ExitCode(err) == ExitBrowser && errors.Is(err, context.DeadlineExceeded) {
		h = "the page or WeChat was slow: raise --timeout, or try again later"
	}
	if h != "" && !strings.Contains(msg, h) {
		msg += " (" + h + ")"
	}
	return "wxctl: " + msg
}

// notSentError is a failure that came before a command sent its change:
// WeChat is as it was, and the message says so. A timeout there is the
// page's class (exit 7), not an unknown outcome (exit 8), which README.md
// keeps for a change that may have reached WeChat.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() + ": nothing was sent" }
func (e *notSentError) Unwrap() error { return e.err }

// nothingSent marks err, met before the command's change was sent, as one
// after which nothing was sent. Bad input and a missing session say so in
// their own words, and an error that already tells what was sent is left as
// it is.
func nothingSent(err error) error {
	var usage usageError
	var stopped *browser.StoppedError
	var ns *notSentError
	var session *sess.Error
	switch {
	case err == nil, errors.As(err, &usage), errors.Is(err, browser.ErrBadInput), errors.As(err, &session),
		errors.As(err, &stopped) && stopped.Change, errors.As(err, &ns):
		return err
	}
	return &notSentError{err: err}
}
