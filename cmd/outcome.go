package cmd

import (
	"errors"
	sess "github.com/wxctl/wxctl/cmd/internal/session"

	"github.com/wxctl/wxctl/browser"
)

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
