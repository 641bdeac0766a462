package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/sandbox"
)

// settledOutput parses what eval and call print.
func settledOutput(t *testing.T, stdout string) settledJSON {
	t.Helper()
	var out settledJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not {resolved, value}: %v\n%s", err, stdout)
	}
	return out
}

func TestEval(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	for _, tc := range []struct {
		expr     string
		code     int
		resolved bool
		value    string // the printed value, compact; "" when nothing is printed
		stderr   string
	}{
		{"1 + 1", ExitOK, true, "2", ""},
		{"Promise.resolve({a: [1, 'x']})", ExitOK, true, `{"a":[1,"x"]}`, ""},
		{"undefined", ExitOK, true, "null", ""},
		{"Promise.reject({why: 'no'})", ExitRefused, false, `{"why":"no"}`, "the promise rejected"},
		{"(function () { throw new Error('boom') })()", ExitUnexpected, false, "", "the expression threw: boom"},
		{"var x = 1", ExitUsage, false, "", "not a JavaScript expression"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append(append([]string{"eval"}, onSandbox(url)...), tc.expr)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if tc.value == "" {
				if stdout != "" {
					t.Errorf("stdout %q, want nothing", stdout)
				}
				return
			}
			out := settledOutput(t, stdout)
			if out.Resolved != tc.resolved || compactJSON(out.Value) != tc.value {
				t.Errorf("printed %+v, want resolved %v and %s", out, tc.resolved, tc.value)
			}
		})
	}
	t.Run("secrets are masked", func(t *testing.T) {
		code, stdout, _ := runCLI(t, append(append([]string{"eval"}, onSandbox(url)...),
			`angular.element(document).injector().get('accountFactory').getBaseRequest()`)...)
		if code != ExitOK || strings.Contains(stdout, srv.Session().Sid) || strings.Contains(stdout, srv.Session().Skey) {
			t.Errorf("exit %d, stdout shows the session:\n%s", code, stdout)
		}
	})
	t.Run("logged out", func(t *testing.T) {
		_, loggedOut := startSandbox(t, sandbox.WithLoggedIn(false))
		code, stdout, stderr := runCLI(t, append(append([]string{"eval"}, onSandbox(loggedOut)...), "window.MMCgi.isLogin")...)
		if out := settledOutput(t, stdout); code != ExitOK || compactJSON(out.Value) != "false" {
			t.Errorf("exit %d, %s %s; want the log-in page's false", code, stdout, stderr)
		}
	})
	if code, _, stderr := runCLI(t, "eval", "1", "2"); code != ExitUsage || !strings.Contains(stderr, "one expression") {
		t.Errorf("two arguments: exit %d, %q", code, stderr)
	}
}
