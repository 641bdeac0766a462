package cmd

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wxctl/wxctl/browser"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"usage", usagef("bad"), ExitUsage},
		{"bad name", &browser.NameError{Problems: []string{"x"}}, ExitUsage},
		{"not logged in", fmt.Errorf("x: %w", browser.ErrNotLoggedIn), ExitNotLoggedIn},
		{"session expired", &browser.RetError{Ret: 1101}, ExitNotLoggedIn},
		{"blocked", &browser.RetError{Ret: 1203}, ExitLoginBlocked},
		{"too frequent", &browser.RetError{Ret: 1}, ExitRateLimited},
		{"frequency block", &browser.RetError{Ret: 1205}, ExitRateLimited},
		{"not a friend", &browser.RetError{Ret: 1204}, ExitRefused},
		{"http", &browser.HTTPError{Status: 500}, ExitRefused},
		{"no browser", fmt.Errorf("x: %w", browser.ErrNoBrowser), ExitBrowser},
		{"not the app", fmt.Errorf("x: %w", browser.ErrAppNotReady), ExitBrowser},
		{"unknown outcome", &browser.UnknownOutcomeError{Err: context.DeadlineExceeded}, ExitUnknownOutcome},
		{"deadline", context.DeadlineExceeded, ExitUnknownOutcome},
		{"interrupted", context.Canceled, ExitInterrupted},
		{"other", errors.New("boom"), ExitUnexpected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}
