package smoke

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/browser"
)

// readJUnit parses a JUnit file back into the report's own types.
func readJUnit(t *testing.T, path string) junitSuites {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j junitSuites
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatalf("the JUnit file does not parse: %v\n%s", err, b)
	}
	if len(j.Suites) != 1 {
		t.Fatalf("%d test suites, want 1", len(j.Suites))
	}
	return j
}

// finishedRun is a run of three checks: passed, failed, skipped.
func finishedRun(t *testing.T) *Run {
	t.Helper()
	plan, err := ParsePlan("plan.yaml", []byte(`
name: report test
checks:
  - name: app <up> & "ready"
    type: ready
  - name: session
    type: call
    service: accountFactory
    method: getBaseRequest
  - name: later
    type: eval
    expr: 1
    needs: [session]
`))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRun(plan, "http://127.0.0.1:1/")
	r.started = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	r.duration = 1500 * time.Millisecond
	for i, st := range []struct {
		status, msg string
		d           time.Duration
		value       string
	}{
		{StatusPass, "AngularJS app running", 1200 * time.Millisecond, ""},
		{StatusFail, `BaseRequest.Skey = "@crypt_1_2", want 1`, 35 * time.Millisecond, `{"BaseRequest":{"Skey":"@crypt_1_2","Sid":"abc"}}`},
		{StatusSkip, `needs "session", which failed`, 0, ""},
	} {
		res := &Result{check: plan.Checks[i], status: st.status, message: st.msg, duration: st.d, value: json.RawMessage(st.value)}
		r.results[res.check.Name] = res
		r.ordered = append(r.ordered, res)
	}
	return r
}

func TestJUnitParsesBack(t *testing.T) {
	r := finishedRun(t)
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := WriteJUnit(path, r, &ChecksFailedError{failed: 1, total: 3}); err != nil {
		t.Fatal(err)
	}
	j := readJUnit(t, path)
	s := j.Suites[0]
	if j.Tests != 3 || j.Failures != 1 || j.Skipped != 1 || s.Tests != 3 || s.Failures != 1 || s.Skipped != 1 {
		t.Errorf("Counts: %+v", j)
	}
	if s.Name != "report test" || s.Time != "1.500" || len(s.Cases) != 3 {
		t.Errorf("suite %q, time %v, %d cases", s.Name, s.Time, len(s.Cases))
	}
	c := s.Cases
	if c[0].Name != `app <up> & "ready"` || c[0].Time != "1.200" || c[0].Classname != "report test.ready" || c[0].Failure != nil || c[0].Skipped != nil {
		t.Errorf("passed case %+v", c[0])
	}
	if c[1].Failure == nil || c[1].Line != 6 || !strings.Contains(c[1].Failure.Message, "BaseRequest.Skey") {
		t.Fatalf("failed case %+v", c[1])
	}
	if strings.Contains(c[1].Failure.Text+c[1].Failure.Message, "crypt_1_2") || strings.Contains(c[1].Failure.Text, `"abc"`) {
		t.Errorf("the failure shows a secret: %q", c[1].Failure.Text)
	}
	if c[2].Skipped == nil || !strings.Contains(c[2].Skipped.Message, "needs") {
		t.Errorf("skipped case %+v", c[2])
	}
}

func TestTextReport(t *testing.T) {
	r := finishedRun(t)
	var out bytes.Buffer
	text := NewTextReport(&out, r.plan, r.url)
	for _, res := range r.ordered {
		text.Done(res)
	}
	text.Summary(r)
	got := out.String()
	for _, want := range []string{
		"report test: 3 checks on http://127.0.0.1:1/\n",
		"  ✓ app <up> & \"ready\"    1.20s  AngularJS app running\n",
		"  ✗ session                35ms\n      BaseRequest.Skey = ***, want 1\n",
		"  – later                        skipped: needs \"session\", which failed\n",
		"1 passed, 1 failed, 1 skipped in 1.50s\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the report lacks %q:\n%s", want, got)
		}
	}
}

// TestJSONReport: each check as --json and result.json show it, with the
// secrets in its message masked (the value is masked by key, as all JSON
// output is). cmd's smoke tests read the whole report.
func TestJSONReport(t *testing.T) {
	r := finishedRun(t)
	var checks []CheckJSON
	for _, res := range r.Results() {
		checks = append(checks, res.JSON())
	}
	b, err := json.Marshal(checks)
	if err != nil {
		t.Fatal(err)
	}
	b = browser.Redact(b) // as every JSON output is, by key
	if n := r.Counts(); n.Passed != 1 || n.Failed != 1 || n.Skipped != 1 || len(checks) != 3 {
		t.Errorf("counts %+v, %d checks", n, len(checks))
	}
	if c := checks[1]; c.Status != StatusFail || c.Line != 6 || c.DurationMs != 35 || c.Type != checkCall {
		t.Errorf("check %+v", c)
	}
	if strings.Contains(string(b), "crypt_1_2") || strings.Contains(string(b), `"abc"`) {
		t.Errorf("the JSON shows a secret:\n%s", b)
	}
	if err := r.Verdict(nil, false); err == nil || err.Error() != "1 of 3 checks failed" {
		t.Errorf("verdict %v, want 1 of 3 checks failed", err)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"create a group":          "create-a-group",
		"  ../../etc/passwd ":     "etc-passwd",
		"迴焘願點 topic!":             "迴焘願點-topic",
		"***":                     "check",
		strings.Repeat("a", 100):  strings.Repeat("a", 39),
		"webwxcreatechatroom (1)": "webwxcreatechatroom-1",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
