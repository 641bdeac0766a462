package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// failingSpec is a check that fails its first n attempts, then passes.
type failingSpec struct {
	noRefs
	n     int
	tries *int
}

func (s failingSpec) run(_ context.Context, _ *Run, res *Result) error {
	*s.tries++
	if *s.tries <= s.n {
		return fmt.Errorf("attempt %d: Skey=@crypt_0123456789abcdef not yet", *s.tries)
	}
	res.message = "fine"
	return nil
}

// retryRun runs one check of type typ that fails its first fails attempts,
// with the given retries: of the check (-1 none), of the plan and of
// --retries (-1 none). It returns the run and how often the check ran.
func retryRun(t *testing.T, typ string, fails, own, plan, flag int) (*Run, int) {
	t.Helper()
	tries := 0
	c := &Check{Name: "c", Type: typ, Line: 3, Timeout: time.Second, Retries: own, spec: failingSpec{n: fails, tries: &tries}}
	r := NewRun(&Plan{File: "p.yaml", Name: "p", Retries: plan, Checks: []*Check{c}}, "http://127.0.0.1:1/")
	r.Retries = flag
	r.opened = true // no page: the fake check needs none
	if err := r.Run(context.Background(), func(*Result) {}); err != nil {
		t.Fatal(err)
	}
	return r, tries
}

func TestRetriesReachOnlyReadOnlyChecks(t *testing.T) {
	for _, tc := range []struct {
		typ             string
		own, plan, flag int
		want            int
	}{
		{checkService, -1, 0, -1, 0},
		{checkService, -1, 2, -1, 2},
		{checkNetwork, -1, 2, 1, 1}, // --retries wins over the plan
		{checkLoggedIn, 3, 2, 1, 3}, // the check's own wins over both
		{checkReady, 0, 2, 2, 0},    // even when it says none
		{checkCall, -1, 2, 2, 0},    // a call may change something: only its own
		{checkEval, -1, 2, 2, 0},
		{checkCall, 1, 0, -1, 1},
		{"event", -1, 2, 2, 0}, // a type not known to be read-only
	} {
		r := NewRun(&Plan{Retries: tc.plan}, "")
		r.Retries = tc.flag
		if got := r.retriesOf(&Check{Type: tc.typ, Retries: tc.own}); got != tc.want {
			t.Errorf("%s with retries %d, plan %d, --retries %d: %d retries, want %d", tc.typ, tc.own, tc.plan, tc.flag, got, tc.want)
		}
	}
}

func TestRetryAccounting(t *testing.T) {
	t.Run("passes on the third attempt: flaky", func(t *testing.T) {
		r, tries := retryRun(t, checkService, 2, -1, 3, -1)
		res := r.Results()[0]
		if tries != 3 || !res.Flaky() || len(res.tries) != 2 {
			t.Fatalf("%d attempts, flaky %v, %d failed attempts kept; want 3, true, 2", tries, res.Flaky(), len(res.tries))
		}
		if n := r.Counts(); n != (Counts{Flaky: 1}) {
			t.Errorf("counts %+v, want one flaky and nothing passed", n)
		}
		if err := r.Verdict(nil, false); err != nil {
			t.Errorf("verdict %v: a flaky check is not a failure", err)
		}
		j := res.JSON()
		if j.Status != StatusFlaky || j.Attempts != 3 || len(j.FailedAttempts) != 2 || j.Message != "fine" {
			t.Errorf("JSON %+v", j)
		}
		if m := j.FailedAttempts[0].Message; !strings.Contains(m, "attempt 1") || strings.Contains(m, "0123456789abcdef") {
			t.Errorf("failed attempt %q: want attempt 1's message, redacted", m)
		}
		var text bytes.Buffer
		tr := NewTextReport(&text, r.plan, r.url)
		tr.Done(res)
		tr.Summary(r)
		for _, want := range []string{"~ c", "flaky: passed on attempt 3 of 3", "attempt 1 failed", "attempt 2 failed", "0 passed, 1 flaky, 0 failed"} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("text report lacks %q:\n%s", want, text.String())
			}
		}
		junit := newJUnit(r, nil)
		tc := junit.Suites[0].Cases[0]
		if tc.Failure != nil || len(tc.Flaky) != 2 || len(tc.Reruns) != 0 || junit.Failures != 0 {
			t.Fatalf("JUnit case %+v: want two flakyFailure and no failure", tc)
		}
		if tc.Flaky[1].Message == "" || !strings.Contains(tc.Flaky[1].Text, "attempt 2 of 3") {
			t.Errorf("flakyFailure %+v: want the message and the attempt", tc.Flaky[1])
		}
	})
	t.Run("fails every attempt", func(t *testing.T) {
		r, tries := retryRun(t, checkNetwork, 5, 2, 0, -1)
		res := r.Results()[0]
		if tries != 3 || res.status != StatusFail || res.Flaky() || len(res.tries) != 2 {
			t.Fatalf("%d attempts, status %s, %d failed attempts kept; want 3, fail, 2", tries, res.status, len(res.tries))
		}
		if !strings.Contains(res.message, "attempt 3") {
			t.Errorf("message %q: want the last attempt's", res.message)
		}
		var e *ChecksFailedError
		if err := r.Verdict(nil, false); !errors.As(err, &e) {
			t.Errorf("verdict %v, want failed checks", err)
		}
		tc := newJUnit(r, nil).Suites[0].Cases[0]
		if tc.Failure == nil || len(tc.Reruns) != 2 || len(tc.Flaky) != 0 {
			t.Fatalf("JUnit case %+v: want a failure and two rerunFailure", tc)
		}
	})
	t.Run("a call is not retried by the plan", func(t *testing.T) {
		r, tries := retryRun(t, checkCall, 1, -1, 3, 3)
		if res := r.Results()[0]; tries != 1 || res.status != StatusFail || len(res.tries) != 0 {
			t.Fatalf("%d attempts, status %s: a call check ran again without its own retries:", tries, res.status)
		}
	})
	t.Run("no retries: reports as before", func(t *testing.T) {
		r, _ := retryRun(t, checkService, 0, -1, 0, -1)
		res := r.Results()[0]
		j, _ := json.Marshal(res.JSON())
		if res.shownStatus() != StatusPass || strings.Contains(string(j), "ttempts") {
			t.Errorf("a plain pass: %s", j)
		}
	})
}

func TestJUnitFlakyXML(t *testing.T) {
	r, _ := retryRun(t, checkService, 1, 1, 0, -1)
	path := filepath.Join(t.TempDir(), "r.xml")
	if err := WriteJUnit(path, r, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `<flakyFailure message="attempt 1: Skey=`) || strings.Contains(string(b), "0123456789abcdef") {
		t.Errorf("JUnit:\n%s", b)
	}
}

func TestPlanRetries(t *testing.T) {
	plan, err := ParsePlan("p.yaml", []byte("retries: 2\nchecks:\n  - name: a\n    type: ready\n  - name: b\n    type: ready\n    retries: 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Retries != 2 || plan.Checks[0].Retries != -1 || plan.Checks[1].Retries != 0 {
		t.Errorf("plan retries %d, checks %d and %d; want 2, -1 (none), 0", plan.Retries, plan.Checks[0].Retries, plan.Checks[1].Retries)
	}
	for _, bad := range []string{"-1", "x", "11", "[1]", "1.5"} {
		_, err := ParsePlan("p.yaml", []byte("checks:\n  - name: a\n    type: ready\n    retries: "+bad+"\n"))
		var pe *PlanError
		if !errors.As(err, &pe) || pe.Line != 4 || !strings.Contains(pe.Msg, "retries: ") {
			t.Errorf("retries: %s: %v, want a plan error on line 4", bad, err)
		}
	}
}
