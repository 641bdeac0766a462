package smoke

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"strings"
	"time"

	"github.com/wxctl/wxctl/browser"
)

// reportHTML is the template of smoke's --html report: one page with its
// CSS inline, that filters checks by status with checkboxes and CSS alone,
// so that it opens from a CI artifact without a server or the network.
//
//go:embed templates/report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// htmlReport is what the template shows. Every string in it is redacted;
// html/template escapes it.
type htmlReport struct {
	Plan, File, URL string
	Started         string
	Duration        string
	Counts          Counts
	Error           string
	Checks          []htmlCheck
}

type htmlCheck struct {
	Index      int
	Name, Type string
	Line       int
	Status     string // pass, flaky, fail, skip, notrun: the filter's class
	Label      string // passed, flaky, failed, skipped, not run
	Duration   string
	Message    string
	Tries      []htmlTry
	Asserts    []htmlAssert
	Value      string
	Call       *htmlCall
	Screenshot template.URL // a data: URL of a PNG
	Console    string
	Artifacts  []string
}

type htmlTry struct {
	N               int
	Duration, Error string
}

type htmlAssert struct {
	Text   string
	Status string // pass, fail, or "" when there was no value to test
	Why    string
}

type htmlCall struct {
	Seq               int
	Method, URL       string
	Status            int
	Err               string
	Request, Response string
	RequestHeaders    map[string]string
	ResponseHeaders   map[string]string
	Dropped           bool
}

// WriteHTML writes the run as one self-contained HTML file.
func WriteHTML(path string, r *Run, runErr error) error {
	var b bytes.Buffer
	if err := reportTemplate.Execute(&b, newHTMLReport(r, runErr)); err != nil {
		return fmt.Errorf("writing --html: %w", err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing --html: %w", err)
	}
	return nil
}

func newHTMLReport(r *Run, runErr error) htmlReport {
	out := htmlReport{
		Plan: r.plan.Name, File: r.plan.File, URL: redactText(r.url),
		Started:  r.started.UTC().Format(time.RFC3339),
		Duration: seconds(r.duration),
		Counts:   r.Counts(),
	}
	if runErr != nil {
		out.Error = redactText(runErr.Error())
	}
	for i, res := range r.ordered {
		out.Checks = append(out.Checks, newHTMLCheck(i+1, res))
	}
	return out
}

func newHTMLCheck(i int, res *Result) htmlCheck {
	c := res.check
	h := htmlCheck{
		Index: i, Name: c.Name, Type: c.Type, Line: c.Line,
		Status:    res.shownStatus(),
		Duration:  seconds(res.duration),
		Message:   redactText(res.message),
		Value:     prettyJSON(res.value),
		Console:   res.console,
		Artifacts: res.artifacts,
	}
	h.Label = map[string]string{StatusPass: "passed", StatusFlaky: "flaky", StatusFail: "failed", StatusSkip: "skipped"}[h.Status]
	if h.Status == StatusSkip && strings.HasPrefix(res.message, "not run:") {
		h.Status, h.Label = "notrun", "not run"
	}
	for j, a := range res.tries {
		h.Tries = append(h.Tries, htmlTry{N: j + 1, Duration: seconds(a.duration), Error: redactText(a.message)})
	}
	h.Asserts = assertionRows(c.spec, res.value)
	if call := res.call; call != nil {
		h.Call = &htmlCall{
			Seq: call.Seq, Method: call.Method, URL: redactText(call.URL), Status: call.Status,
			Err:             redactText(call.Err),
			Request:         prettyJSON(call.RequestBody),
			Response:        prettyJSON(call.ResponseBody),
			RequestHeaders:  redactHeaders(call.RequestHeaders),
			ResponseHeaders: redactHeaders(call.ResponseHeaders),
			Dropped:         call.BodiesDropped,
		}
	}
	if len(res.screenshot) > 0 {
		// A PNG we encoded ourselves: safe as a URL, and html/template
		// would otherwise replace a data: URL by #ZgotmplZ.
		h.Screenshot = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(res.screenshot))
	}
	return h
}

// assertionRows tests each expect: assertion of a call or eval check on
// the value it got, one row each; without a value the rows have no status.
func assertionRows(spec checkSpec, value json.RawMessage) []htmlAssert {
	var list []assertion
	switch s := spec.(type) {
	case callCheck:
		list = s.expect
	case evalCheck:
		list = s.expect
	}
	var doc any
	have := len(value) > 0 && json.Unmarshal(value, &doc) == nil
	var rows []htmlAssert
	for _, a := range list {
		row := htmlAssert{Text: redactText(a.String())}
		if have {
			if err := a.check(doc); err != nil {
				row.Status, row.Why = StatusFail, redactText(err.Error())
			} else {
				row.Status = StatusPass
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// prettyJSON indents a JSON value with its secrets masked.
func prettyJSON(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	b = browser.Redact(b)
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return redactText(string(b))
	}
	return out.String()
}

// redactHeaders masks cookies and the session's secrets in headers.
func redactHeaders(h map[string]string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = browser.RedactField(k, v)
	}
	return out
}
