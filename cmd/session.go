package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	sess "github.com/wxctl/wxctl/cmd/internal/session"
)

// session is web WeChat open in a browser tab (see package session).
type session = sess.Session

// sessionOption adjusts the session of one command.
type sessionOption func(*sess.Options)

// withoutSession is for the commands about the session itself (login,
// status, logout): openSession neither requires one nor watches it.
func withoutSession() sessionOption {
	return func(o *sess.Options) { o.AnySession = true }
}

// withoutJobDeadline is for a command whose --timeout bounds each of its
// steps (room batch): the job's context, and the watch of the session on
// it, last until the job ends.
func withoutJobDeadline() sessionOption {
	return func(o *sess.Options) { o.NoDeadline = true }
}

// withSandboxLoggedOut starts the in-process sandbox logged out, its phone
// scanning and confirming by itself after d, so that --sandbox shows the
// whole log-in.
func withSandboxLoggedOut(d time.Duration) sessionOption {
	return func(o *sess.Options) { o.LoggedOut, o.AutoLogin = true, d }
}

// sessionOptions reads the flags that choose the browser, the page and
// the session, and refuses, before anything starts, those that do not go
// together. It is the one place they are read.
func sessionOptions(c *cli.Context, useSandbox bool) (sess.Options, error) {
	if err := checkPageFlags(c, useSandbox); err != nil {
		return sess.Options{}, err
	}
	if err := checkOutputFlags(c); err != nil {
		return sess.Options{}, err
	}
	token, err := extspamToken(c)
	if err != nil {
		return sess.Options{}, err
	}
	o := sess.Options{
		URL:          c.String(urlFlag.Name),
		URLSet:       c.IsSet(urlFlag.Name),
		Sandbox:      useSandbox,
		Angular:      c.String(angularFlag.Name),
		Chrome:       c.String(chromeFlag.Name),
		Show:         c.Bool(showFlag.Name),
		ChromeFlags:  c.StringSlice(chromeFlagFlag.Name),
		Remote:       c.String(remoteFlag.Name),
		Profile:      c.String(profileFlag.Name),
		Timeout:      c.Duration(timeoutFlag.Name),
		Capture:      c.String(captureFlag.Name),
		WriteCalls:   writeCapture,
		HAR:          c.String(harFlag.Name),
		TraceDir:     c.String(traceFlag.Name),
		Version:      Version,
		ExtspamToken: token,
		UOS:          c.Bool(uosFlag.Name),
	}
	if o.Remote != "" {
		if o.Show {
			return o, usagef("--show and --remote do not go together: an attached browser shows what it shows")
		}
		if c.IsSet(profileFlag.Name) {
			return o, usagef("--profile and --remote do not go together: an attached browser has its own profile")
		}
	}
	if c.Bool(loginFlag.Name) {
		// The command's own output stays on stdout: the log-in talks on
		// stderr.
		o.LogIn = func(_ context.Context, s *session, cause error) (*browser.Account, error) {
			return logIn(c, s, c.App.ErrWriter, cause)
		}
	}
	return o, nil
}

// startSession starts the sandbox if asked, and a browser with a new tab,
// without opening the page (see sess.Start).
func startSession(c *cli.Context, useSandbox bool) (*session, string, error) {
	o, err := sessionOptions(c, useSandbox)
	if err != nil {
		return nil, "", err
	}
	return sess.Start(c.Context, o)
}

// openSession opens web WeChat for a command, as its flags and opts say
// (see sess.Open).
func openSession(c *cli.Context, useSandbox bool, opts ...sessionOption) (*session, error) {
	o, err := sessionOptions(c, useSandbox)
	if err != nil {
		return nil, err
	}
	for _, opt := range opts {
		opt(&o)
	}
	return sess.Open(c.Context, o)
}

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

// traceErrorFile is the file of a trace folder that holds the command's
// error, when it failed.
const traceErrorFile = "error.txt"

// traceFailures makes every command with --trace (and its subcommands)
// write, when it fails, its exit code and error line into the trace folder,
// beside the snapshot its session took at the end: the folder then says
// what went wrong as well as what the page showed.
func traceFailures(c *cli.Command) {
	for _, sub := range c.Subcommands {
		traceFailures(sub)
	}
	// NewApp copies the flags, so they are known by name, not by value.
	hasTrace := slices.ContainsFunc(c.Flags, func(f cli.Flag) bool { return slices.Contains(f.Names(), traceFlag.Name) })
	if c.Action == nil || !hasTrace {
		return
	}
	action := c.Action
	c.Action = func(ctx *cli.Context) error {
		err := action(ctx)
		if dir := ctx.String(traceFlag.Name); err != nil && dir != "" {
			writeTraceError(dir, err)
		}
		return err
	}
}

// writeTraceError writes err into trace folder dir if the session made it
// (a command refused before that has nothing else to show there).
func writeTraceError(dir string, err error) {
	if fi, serr := os.Stat(dir); serr != nil || !fi.IsDir() {
		return
	}
	text := fmt.Sprintf("exit %d\n%s\n", ExitCode(err), errorLine(err))
	// Best effort: the error itself is printed on stderr anyway.
	_ = os.WriteFile(filepath.Join(dir, traceErrorFile), browser.Redact([]byte(text)), 0o600)
}

// checkOutputFlags refuses, before any browser starts, a --har whose
// folder does not exist and a --trace that cannot be a folder: finding out
// after the job would lose what it recorded.
func checkOutputFlags(c *cli.Context) error {
	if har := c.String(harFlag.Name); har != "" {
		dir := filepath.Dir(har)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return usagef("--har %s: the folder %s does not exist: make it first or give another path", clipArg(har), clipArg(dir))
		}
	}
	if dir := c.String(traceFlag.Name); dir != "" {
		if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
			return usagef("--trace %s is a file, not a folder: give a folder (it is made if missing)", clipArg(dir))
		}
	}
	return nil
}
