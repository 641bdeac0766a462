package smoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/wxctl/wxctl/browser"
)

// Statuses of a check.
const (
	StatusPass = "pass"
	StatusFail = "fail"
	StatusSkip = "skip"
	// StatusFlaky is how reports show a check that passed on a retry after
	// failing: it counts as passed for needs: and the exit code, but is
	// never reported as a plain pass.
	StatusFlaky = "flaky"
)

// Result is how one check of a run ended.
type Result struct {
	check     *Check
	status    string
	duration  time.Duration
	message   string          // what it found, why it failed or why it was skipped
	value     json.RawMessage // a call's or eval's result
	mark      int             // the page's last request when the check began
	artifacts []string        // files written for a failed check
	// tries are the attempts that failed before the last one, oldest
	// first: a passed check with tries is flaky, a failed one was retried.
	tries []attempt
	// call is the request a network check looked at, for the HTML report.
	call *browser.NetCall
	// screenshot and console are the page as the check failed, kept when
	// Run.Snapshots asks for them (--html).
	screenshot []byte
	console    string
}

// attempt is one failed run of a check that was tried again.
type attempt struct {
	duration time.Duration
	message  string
}

// Flaky reports whether the check passed only on a retry.
func (res *Result) Flaky() bool { return res.status == StatusPass && len(res.tries) > 0 }

// shownStatus is the status reports show: flaky for a pass on a retry.
func (res *Result) shownStatus() string {
	if res.Flaky() {
		return StatusFlaky
	}
	return res.status
}

// Run is one run of a plan on one page.
type Run struct {
	// Page is the tab the checks run in; nil when the browser could not
	// be started (SkipAll reports such a run).
	Page *browser.Page
	// Artifacts is the directory for the files of failed checks
	// (--artifacts), "" for none.
	Artifacts string
	// WriteCalls writes the page's recorded calls, redacted, to a file (a
	// failed check's network.json): the same format as --capture.
	WriteCalls func(path string, calls []browser.NetCall) error
	// Retries, when not negative, is --retries: how often a read-only
	// check runs again after it failed, instead of the plan's retries:.
	// A check's own retries: wins over both (see retriesOf).
	Retries int
	// Snapshots keeps a screenshot and the console of each failed check
	// for the HTML report.
	Snapshots bool

	plan    *Plan
	url     string
	opened  bool
	results map[string]*Result
	ordered []*Result
	names   Resolver
	// fatal ends the run: the browser or the page could not be reached.
	// The checks after it are skipped and wxctl exits 7.
	fatal    error
	events   map[*Check]*eventStream // event checks' streams, started with their after: check
	started  time.Time
	duration time.Duration
}

// NewRun prepares a run of plan on the app at url.
func NewRun(plan *Plan, url string) *Run {
	return &Run{plan: plan, url: url, results: map[string]*Result{}, Retries: -1}
}

// run runs the checks in plan order and calls done after each. A check runs
// unless one it depends on did not pass; a failure does not stop the
// others. It returns the error that ended the run early, if any.
func (r *Run) Run(ctx context.Context, done func(*Result)) error {
	r.started = time.Now()
	defer func() { r.duration = time.Since(r.started) }()
	for _, c := range r.plan.Checks {
		res := &Result{check: c}
		r.results[c.Name] = res
		r.ordered = append(r.ordered, res)
		why := r.notRunnable(ctx, c)
		if why == "" && c.Type != checkReady && !r.opened {
			why = r.openFirst(ctx)
		}
		if why != "" {
			res.status, res.message = StatusSkip, why
		} else {
			r.runCheck(ctx, res)
		}
		done(res)
	}
	if r.fatal == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return r.fatal
}

// notRunnable says why c cannot run, or "".
func (r *Run) notRunnable(ctx context.Context, c *Check) string {
	switch {
	case r.fatal != nil:
		return "not run: " + r.fatal.Error()
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return NotRunTimeout
	case ctx.Err() != nil:
		return "not run: interrupted"
	}
	for _, d := range c.deps() {
		if dep := r.results[d]; dep.status != StatusPass {
			verb := "failed"
			if dep.status == StatusSkip {
				verb = "was skipped"
			}
			return fmt.Sprintf("needs %q, which %s", d, verb)
		}
	}
	return ""
}

// NotRunTimeout is why the checks after the run's deadline are skipped.
const NotRunTimeout = "not run: the run's --timeout ran out"

// timedOut Counts the checks skipped for the run's deadline.
func (r *Run) TimedOut() int {
	n := 0
	for _, res := range r.ordered {
		if res.message == NotRunTimeout {
			n++
		}
	}
	return n
}

// openFirst opens the page before the first check when the plan does not
// begin with a ready check. Then the plan asked nothing about the page
// itself, so a page that does not become web WeChat is an unreachable page
// (exit 7), not a failed check. It returns why the check cannot run, or "".
func (r *Run) openFirst(ctx context.Context) string {
	octx, cancel := context.WithTimeout(ctx, r.plan.Timeout)
	defer cancel()
	if err := r.open(octx); err != nil {
		r.fatal = err
		return "not run: " + err.Error()
	}
	return ""
}

// readOnlyTypes are the check types that only look: running one again
// changes nothing, so the plan's retries: and --retries reach them. A call
// or eval check may create a group or send a message (and an event check
// waits for something to happen once); running it again could do that
// twice, so it is retried only when it says so itself with retries:.
var readOnlyTypes = []string{checkReady, checkService, checkLoggedIn, checkNetwork}

// retriesOf is how often c runs again after a failure: its own retries:,
// else for a read-only check --retries or else the plan's retries:.
func (r *Run) retriesOf(c *Check) int {
	switch {
	case c.Retries >= 0:
		return c.Retries
	case !slices.Contains(readOnlyTypes, c.Type):
		return 0
	case r.Retries >= 0:
		return r.Retries
	}
	return r.plan.Retries
}

// runCheck runs one check, and again after a failure as often as
// retriesOf allows, each attempt within the check's timeout, and records
// the outcome. The failed attempts before the last are kept: a pass after
// them is flaky.
func (r *Run) runCheck(ctx context.Context, res *Result) {
	if r.Page != nil {
		res.mark = r.Page.LastSeq() // every attempt looks at the calls since the first began
		// The event checks that wait on this one read from this moment on.
		sctx, cancel := context.WithTimeout(ctx, res.check.Timeout)
		r.startEvents(sctx, res)
		cancel()
	}
	retries := r.retriesOf(res.check)
	for {
		err := r.attempt(ctx, res)
		if err == nil {
			res.status = StatusPass
			return
		}
		if len(res.tries) >= retries || r.fatal != nil || ctx.Err() != nil {
			res.status = StatusFail
			break
		}
		res.tries = append(res.tries, attempt{duration: res.duration, message: res.message})
		res.message, res.value, res.call = "", nil, nil
	}
	if r.Snapshots && r.Page != nil {
		r.snapshot(ctx, res)
	}
	if r.Artifacts != "" && r.Page != nil {
		r.saveArtifacts(ctx, res)
	}
}

// attempt runs the check once within its timeout; on failure it sets
// res.message to why.
func (r *Run) attempt(ctx context.Context, res *Result) error {
	c := res.check
	cctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	start := time.Now()
	err := c.spec.run(cctx, r, res)
	res.duration = time.Since(start)
	if err == nil {
		return nil
	}
	res.message = err.Error()
	if errors.Is(err, context.DeadlineExceeded) && cctx.Err() != nil && ctx.Err() == nil {
		res.message = fmt.Sprintf("timed out after %s (the check's timeout): %s", c.Timeout, res.message)
	}
	if errors.Is(err, browser.ErrBrowserGone) || errors.Is(err, browser.ErrPageClosed) {
		r.fatal = err
	}
	return err
}

// snapshot keeps the page's screenshot and console as the check failed.
func (r *Run) snapshot(ctx context.Context, res *Result) {
	res.console = browser.RedactText(consoleLog(r.Page))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if png, err := r.Page.Screenshot(sctx); err == nil {
		res.screenshot = png
	} else {
		res.console += fmt.Sprintf("# no screenshot: %v\n", err)
	}
}

// open navigates the page to the plan's URL and waits for the app. A page
// that does not load at all ends the run (exit 7); one that loads but is
// not web WeChat fails the ready check that opened it.
func (r *Run) open(ctx context.Context) error {
	r.opened = true // once: later checks look at whatever the page became
	err := r.Page.Open(ctx, r.url)
	if err == nil {
		// Mask the session's secrets by value in every report and
		// artifact; a page without a session has none to mask.
		_ = r.Page.MaskSessionSecrets(ctx)
	}
	var notApp *browser.NotAppError
	if (errors.As(err, &notApp) && notApp.NavError != "") || errors.Is(err, browser.ErrBrowserGone) {
		r.fatal = err
	}
	return err
}

// resolveArgs replaces the references in call arguments: {member: NAME}
// by the friend's UserName (see Resolver) and {result: CHECK, path: P}
// by that value of an earlier check's result.
func (r *Run) resolveArgs(ctx context.Context, v any) (any, error) {
	r.names.Page = r.Page
	return r.names.Resolve(ctx, v, func(ref resultRef) (any, error) { return r.resultValue(ref) })
}

// resultValue reads a value out of an earlier check's result: one value,
// or the list of them for a path with [].
func (r *Run) resultValue(ref resultRef) (any, error) {
	var doc any
	if err := json.Unmarshal(r.results[ref.Check].value, &doc); err != nil {
		return nil, fmt.Errorf("{result: %s}: the result is not JSON: %w", ref.Check, err)
	}
	var values []any
	fanOut := false
	for _, st := range ref.Path.steps {
		fanOut = fanOut || st.kind == stepEach
	}
	for _, f := range ref.Path.eval(doc) {
		if !f.ok {
			if fanOut {
				continue
			}
			return nil, fmt.Errorf("{result: %s, path: %s}: %s", ref.Check, ref.Path, f.why)
		}
		values = append(values, f.value)
	}
	if fanOut {
		return values, nil
	}
	return values[0], nil
}

// saveArtifacts writes what a person needs to see why a check failed
// without rerunning: the check's result, the app's recorded API calls
// (secrets redacted), the page's errors and a screenshot, into
// DIR/NN-check-name/.
func (r *Run) saveArtifacts(ctx context.Context, res *Result) {
	dir := filepath.Join(r.Artifacts, fmt.Sprintf("%02d-%s", len(r.ordered), slug(res.check.Name)))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		res.message += fmt.Sprintf(" (artifacts: %v)", err)
		return
	}
	var errs []error
	save := func(name string, data []byte) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			errs = append(errs, err)
			return
		}
		res.artifacts = append(res.artifacts, path)
	}
	if b, err := json.MarshalIndent(newCheckJSON(res), "", "  "); err == nil {
		save("result.json", append(browser.Redact(b), '\n'))
	}
	network := filepath.Join(dir, "network.json")
	if r.WriteCalls != nil { // nil: nobody said how, no network.json
		if err := r.WriteCalls(network, r.Page.Calls()); err != nil {
			errs = append(errs, err)
		} else {
			res.artifacts = append(res.artifacts, network)
		}
	}
	save("console.log", browser.Redact([]byte(consoleLog(r.Page))))
	// The screenshot needs the page's own chromedp context, which package
	// browser keeps to itself; it is taken when the page offers it, once
	// for --html and --artifacts.
	if len(res.screenshot) > 0 {
		save("screenshot.png", res.screenshot)
	} else if shooter, ok := any(r.Page).(interface {
		Screenshot(context.Context) ([]byte, error)
	}); ok {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		png, err := shooter.Screenshot(sctx)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("screenshot: %w", err))
		} else {
			save("screenshot.png", png)
		}
	}
	if len(errs) > 0 {
		res.message += fmt.Sprintf(" (artifacts: %v)", errors.Join(errs...))
	}
}

// consoleLog is the page's console, then its uncaught exceptions.
func consoleLog(p *browser.Page) string {
	return browser.ConsoleText(p.Console(), p.Exceptions())
}

// slug makes a check name usable as a directory name.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(Clip(b.String(), 40), "…")
	s = strings.Trim(s, "-")
	if s == "" {
		return "check"
	}
	return s
}

// skipAll records every check as skipped for why: the run could not start.
func (r *Run) SkipAll(why string, done func(*Result)) {
	r.started = time.Now()
	for _, c := range r.plan.Checks {
		res := &Result{check: c, status: StatusSkip, message: why}
		r.results[c.Name] = res
		r.ordered = append(r.ordered, res)
		done(res)
	}
}

// ChecksFailedError is the outcome of a run in which checks failed, or did
// not run for lack of time. cmd maps it to exit 1 as any unclassified
// error.
type ChecksFailedError struct {
	failed, notRun, total int
}

// Verdict is how the run ended: runErr, or a *ChecksFailedError when checks
// failed or, with timedOut (the run's own deadline ended it), did not run.
func (r *Run) Verdict(runErr error, timedOut bool) error {
	n := r.Counts()
	switch {
	case timedOut && r.fatal == nil:
		return &ChecksFailedError{failed: n.Failed, notRun: r.TimedOut(), total: len(r.ordered)}
	case runErr == nil && n.Failed > 0:
		return &ChecksFailedError{failed: n.Failed, total: len(r.ordered)}
	}
	return runErr
}

// Plan returns the plan run.
func (r *Run) Plan() *Plan { return r.plan }

// URL returns the address the run checks.
func (r *Run) URL() string { return r.url }

// Duration returns how long the run took.
func (r *Run) Duration() time.Duration { return r.duration }

// Results returns the checks' results in plan order, as far as the run got.
func (r *Run) Results() []*Result { return r.ordered }

func (e *ChecksFailedError) Error() string {
	msg := fmt.Sprintf("%d of %d checks failed", e.failed, e.total)
	if e.notRun > 0 {
		msg += fmt.Sprintf(", %d not run: the run's --timeout ran out", e.notRun)
	}
	return msg
}
