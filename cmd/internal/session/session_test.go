package session

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wxctl/wxctl/browser"
)

// TestJobContextSessionEnd: the end of the session ends the job at once,
// and its error is both "not logged in" (exit 3) and a cancellation.
func TestJobContextSessionEnd(t *testing.T) {
	ctx, cancel, ended := newJobContext(context.Background(), time.Minute)
	defer cancel()
	ended(browser.ErrNotLoggedIn)
	<-ctx.Done()
	err := ctx.Err()
	var e *EndedError
	if !errors.As(err, &e) || !errors.Is(err, browser.ErrNotLoggedIn) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Err %v, want an *EndedError that is ErrNotLoggedIn and context.Canceled", err)
	}
	cancel() // a later end does not change why
	if ctx.Err() != err {
		t.Errorf("Err changed to %v", ctx.Err())
	}
}

func TestJobContextDeadline(t *testing.T) {
	ctx, cancel, _ := newJobContext(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err %v, want the deadline", ctx.Err())
	}
}

func TestBrowserOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		n    int
	}{
		{"attached", Options{Remote: "ws://127.0.0.1:1/x", Sandbox: true}, 4},
		{"named profile", Options{Profile: t.TempDir()}, 4},
		{"sandbox", Options{Sandbox: true}, 4},
	} {
		opts, err := browserOptions(tc.o)
		if err != nil || len(opts) != tc.n {
			t.Errorf("%s: %d options, %v; want %d", tc.name, len(opts), err, tc.n)
		}
	}
}

func TestHostOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://wx2.qq.com/": "wx2.qq.com",
		"not a url":           "not a url",
	} {
		if got := HostOf(in); got != want {
			t.Errorf("HostOf(%q) = %q, want %q", in, got, want)
		}
	}
}
