package smoke

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxctl/wxctl/browser"
)

// Counts tallies the results of a run. Flaky checks, passed on a retry,
// are counted apart from Passed.
type Counts struct{ Passed, Failed, Skipped, Flaky int }

func (r *Run) Counts() Counts {
	var n Counts
	for _, res := range r.ordered {
		switch res.shownStatus() {
		case StatusFlaky:
			n.Flaky++
		case StatusPass:
			n.Passed++
		case StatusFail:
			n.Failed++
		default:
			n.Skipped++
		}
	}
	return n
}

// --- text, for people ---

// TextReport prints a run for people as it goes: a header, one line per
// check as it ends (✓ passed, ~ flaky: passed on a retry, ✗ failed,
// – skipped) with its time, and the totals.
type TextReport struct {
	w     io.Writer
	width int // of the name column
}

func NewTextReport(w io.Writer, plan *Plan, url string) *TextReport {
	t := &TextReport{w: w}
	for _, c := range plan.Checks {
		t.width = max(t.width, utf8.RuneCountInString(c.Name))
	}
	t.width = min(t.width, 48)
	fmt.Fprintf(w, "%s: %d checks on %s\n", plan.Name, len(plan.Checks), url)
	return t
}

// check prints one finished check.
func (t *TextReport) Done(res *Result) {
	mark := map[string]string{StatusPass: "✓", StatusFlaky: "~", StatusFail: "✗", StatusSkip: "–"}[res.shownStatus()]
	name := res.check.Name
	if pad := t.width - utf8.RuneCountInString(name); pad > 0 {
		name += strings.Repeat(" ", pad)
	}
	msg := redactText(res.message)
	switch res.shownStatus() {
	case StatusPass:
		fmt.Fprintf(t.w, "  %s %s  %7s  %s\n", mark, name, seconds(res.duration), msg)
	case StatusFlaky:
		fmt.Fprintf(t.w, "  %s %s  %7s  flaky: passed on attempt %d of %d: %s\n", mark, name, seconds(res.duration),
			len(res.tries)+1, len(res.tries)+1, msg)
		t.tries(res)
	case StatusFail:
		fmt.Fprintf(t.w, "  %s %s  %7s\n", mark, name, seconds(res.duration))
		if len(res.tries) > 0 {
			fmt.Fprintf(t.w, "      failed %d attempts; the last: %s\n", len(res.tries)+1, msg)
			t.tries(res)
		} else {
			fmt.Fprintf(t.w, "      %s\n", msg)
		}
		if len(res.artifacts) > 0 {
			fmt.Fprintf(t.w, "      artifacts in %s%c\n", filepath.Dir(res.artifacts[0]), filepath.Separator)
		}
	default:
		fmt.Fprintf(t.w, "  %s %s  %7s  skipped: %s\n", mark, name, "", msg)
	}
}

// tries prints the failed attempts before the last.
func (t *TextReport) tries(res *Result) {
	for i, a := range res.tries {
		fmt.Fprintf(t.w, "      attempt %d failed (%s): %s\n", i+1, seconds(a.duration), redactText(a.message))
	}
}

// summary prints the totals; flaky ones only when there are any, so that
// a run without retries reads as before.
func (t *TextReport) Summary(r *Run) {
	n := r.Counts()
	flaky := ""
	if n.Flaky > 0 {
		flaky = fmt.Sprintf("%d flaky, ", n.Flaky)
	}
	fmt.Fprintf(t.w, "%d passed, %s%d failed, %d skipped in %s\n", n.Passed, flaky, n.Failed, n.Skipped, seconds(r.duration))
}

// seconds formats a duration for the report: 12ms, 1.23s.
func seconds(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// redactText masks secrets in a message: a value can hold a Skey.
func redactText(s string) string { return string(browser.Redact([]byte(s))) }

// --- JSON ---

// CheckJSON is one check in smoke's --json output and in result.json.
type CheckJSON struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Line       int             `json:"line"`
	Status     string          `json:"status"` // pass, flaky (passed on a retry), fail or skip
	DurationMs float64         `json:"durationMs"`
	Message    string          `json:"message,omitempty"`
	Value      json.RawMessage `json:"value,omitempty"`
	Artifacts  []string        `json:"artifacts,omitempty"`
	// Attempts is how often the check ran, when it ran more than once;
	// FailedAttempts are the failed ones before the last, oldest first.
	Attempts       int           `json:"attempts,omitempty"`
	FailedAttempts []AttemptJSON `json:"failedAttempts,omitempty"`
}

// AttemptJSON is a failed attempt of a check that ran again.
type AttemptJSON struct {
	DurationMs float64 `json:"durationMs"`
	Message    string  `json:"message"`
}

// JSON returns the result as smoke's --json output and result.json show it.
func (res *Result) JSON() CheckJSON { return newCheckJSON(res) }

func newCheckJSON(res *Result) CheckJSON {
	var tries []AttemptJSON
	for _, a := range res.tries {
		tries = append(tries, AttemptJSON{DurationMs: Millis(a.duration), Message: redactText(a.message)})
	}
	attempts := 0
	if len(tries) > 0 {
		attempts = len(tries) + 1
	}
	return CheckJSON{
		Attempts:       attempts,
		FailedAttempts: tries,
		Name:           res.check.Name,
		Type:           res.check.Type,
		Line:           res.check.Line,
		Status:         res.shownStatus(),
		DurationMs:     Millis(res.duration),
		Message:        redactText(res.message), // JSON redaction masks values by key, not inside text
		Value:          jsonValue(res.value),
		Artifacts:      res.artifacts,
	}
}

// jsonValue returns b as a JSON value: itself when it is JSON, else a
// string.
func jsonValue(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

// Millis is a duration in milliseconds, to the microsecond.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// --- JUnit XML ---

// JUnit XML as GitHub Actions reporters, GitLab and Jenkins read it: one
// testsuite for the plan, one testcase per check, with a failure or
// skipped element. Times are in seconds. file and line point at the check
// in the plan, for annotations. Retries follow Maven Surefire's
// conventions, which Jenkins, GitLab and the GitHub reporters read: a check
// that passed on a retry has one flakyFailure per failed attempt; one that
// failed every attempt has its failure (the last attempt's, with its value
// and artifacts) and one rerunFailure per earlier attempt.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	File       string          `xml:"file,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
	SystemErr  string          `xml:"system-err,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	File      string         `xml:"file,attr,omitempty"`
	Line      int            `xml:"line,attr,omitempty"`
	Failure   *junitMessage  `xml:"failure,omitempty"`
	Reruns    []junitMessage `xml:"rerunFailure,omitempty"`
	Flaky     []junitMessage `xml:"flakyFailure,omitempty"`
	Skipped   *junitMessage  `xml:"skipped,omitempty"`
	SystemOut string         `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func junitSeconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func newJUnit(r *Run, runErr error) junitSuites {
	n := r.Counts()
	suite := junitSuite{
		Name:      r.plan.Name,
		Tests:     len(r.ordered),
		Failures:  n.Failed,
		Skipped:   n.Skipped,
		Time:      junitSeconds(r.duration),
		Timestamp: r.started.UTC().Format("2006-01-02T15:04:05"),
		File:      r.plan.File,
		Properties: []junitProperty{
			{Name: "url", Value: redactText(r.url)},
		},
	}
	if runErr != nil {
		suite.SystemErr = redactText(runErr.Error())
	}
	for _, res := range r.ordered {
		tc := junitCase{
			Name:      res.check.Name,
			Classname: r.plan.Name + "." + res.check.Type,
			Time:      junitSeconds(res.duration),
			File:      r.plan.File,
			Line:      res.check.Line,
		}
		msg := redactText(res.message)
		var tries []junitMessage
		for i, a := range res.tries {
			m := redactText(a.message)
			tries = append(tries, junitMessage{Message: m, Type: res.check.Type,
				Text: fmt.Sprintf("attempt %d of %d failed after %s: %s", i+1, len(res.tries)+1, seconds(a.duration), m)})
		}
		switch res.status {
		case StatusFail:
			tc.Reruns = tries
			text := msg
			if len(res.value) > 0 {
				text += "\nvalue: " + redactText(string(res.value))
			}
			for _, a := range res.artifacts {
				text += "\nartifact: " + a
			}
			tc.Failure = &junitMessage{Message: msg, Type: res.check.Type, Text: text}
		case StatusSkip:
			tc.Skipped = &junitMessage{Message: msg}
		default:
			tc.Flaky = tries
			tc.SystemOut = msg
		}
		suite.Cases = append(suite.Cases, tc)
	}
	return junitSuites{
		Name:  r.plan.Name,
		Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Time:   suite.Time,
		Suites: []junitSuite{suite},
	}
}

// WriteJUnit writes the run as a JUnit XML file.
func WriteJUnit(path string, r *Run, runErr error) error {
	b, err := xml.MarshalIndent(newJUnit(r, runErr), "", "  ")
	if err != nil {
		return err
	}
	data := append([]byte(xml.Header), b...)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing --junit: %w", err)
	}
	return nil
}
