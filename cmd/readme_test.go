package cmd

import (
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/browser"
	sess "github.com/wxctl/wxctl/cmd/internal/session"
)

// readmeExitCodes reads the exit-code table of README.md: code → meaning.
func readmeExitCodes(t *testing.T) map[int]string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### Exit codes\n")
	if !ok {
		t.Fatal("README.md has no Exit codes section")
	}
	section, _, _ = strings.Cut(section, "\n#")
	rows := make(map[int]string)
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \| (.+) \|$`).FindAllStringSubmatch(section, -1) {
		code, _ := strconv.Atoi(m[1])
		rows[code] = m[2]
	}
	return rows
}

// TestReadmeExitCodes holds README.md's exit-code table to the code: a row
// for every code cmd has and no other, and for each class of error the row
// of the code ExitCode gives it says what the class is.
func TestReadmeExitCodes(t *testing.T) {
	rows := readmeExitCodes(t)
	var documented []int
	for code := range rows {
		documented = append(documented, code)
	}
	slices.Sort(documented)
	if !slices.Equal(documented, exitCodes) {
		t.Fatalf("README.md documents exit codes %v, cmd has %v", documented, exitCodes)
	}
	sessionEnded := &sess.EndedError{Cause: &browser.RetError{Op: "synccheck", Ret: 1101}}
	tests := []struct {
		name string
		err  error
		code int
		says string // in the README's row for code
	}{
		{"unknown name", &browser.NameError{Problems: []string{"x"}}, ExitUsage, "unknown or ambiguous name"},
		{"long topic", browser.CheckTopic(strings.Repeat("x", 33)), ExitUsage, "longer than 32 characters"},
		{"bad timeout", usagef("--timeout"), ExitUsage, "`--timeout` under 1s"},
		{"session ended mid-call", &browser.StoppedError{Op: "webwxcreatechatroom", Change: true, Sent: true, Err: sessionEnded}, ExitNotLoggedIn, "whether the request had been sent"},
		{"blocked", &browser.RetError{Ret: 1203}, ExitLoginBlocked, "1203"},
		{"rate limited", &browser.RetError{Ret: 1205}, ExitRateLimited, "1205"},
		{"flagged topic", &browser.RetError{Op: "webwxupdatechatroom?fun=modtopic", Ret: -2013}, ExitRefused, "-2013"},
		{"read refused", &notSentError{&browser.HTTPError{Op: "webwxgetcontact", Status: 503}}, ExitRefused, "nothing was sent"},
		{"not the app", &browser.NotAppError{URL: "http://x/", Loaded: true}, ExitBrowser, "without AngularJS"},
		{"slow before the change", &notSentError{context.DeadlineExceeded}, ExitBrowser, "nothing was sent"},
		{"change unanswered", &browser.UnknownOutcomeError{Op: "webwxsendmsg", Sent: true, Err: context.DeadlineExceeded}, ExitUnknownOutcome, "may have reached WeChat"},
		{"eval unanswered", context.DeadlineExceeded, ExitUnknownOutcome, "`eval`/`call`: no answer in time"},
		{"interrupted mid-call", &browser.StoppedError{Op: "webwxcreatechatroom", Change: true, Sent: true, Err: context.Canceled}, ExitInterrupted, "whether the request had been sent"},
		{"other", errors.New("boom"), ExitUnexpected, "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := ExitCode(tt.err)
			if code != tt.code {
				t.Fatalf("ExitCode(%v) = %d, want %d", tt.err, code, tt.code)
			}
			if !strings.Contains(rows[code], tt.says) {
				t.Errorf("README.md's row for %d does not say %q: %q", code, tt.says, rows[code])
			}
		})
	}
}

// TestEvalHelpOnSecrets: eval and call say that they print what the page
// gives them, masking only exact values, and so does README.md.
func TestEvalHelpOnSecrets(t *testing.T) {
	const says = "only the exact values"
	for _, command := range []string{"eval", "call"} {
		_, stdout, _ := runCLI(t, command, "--help")
		if !strings.Contains(strings.Join(strings.Fields(stdout), " "), says) {
			t.Errorf("%s --help does not say it masks %s:\n%s", command, says, stdout)
		}
	}
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(b)), " "), "They mask "+says) {
		t.Errorf("README.md does not say that eval and call mask %s", says)
	}
}
