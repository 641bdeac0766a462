package browser

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
)

// TestCrashFailsCallsAtOnce crashes the tab's renderer while a call waits
// on a promise that never settles: the call fails at once with
// ErrPageCrashed, not at its deadline.
func TestCrashFailsCallsAtOnce(t *testing.T) {
	p, _ := testApp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := p.Eval(ctx, `new Promise(function () {})`)
		done <- err
	}()
	// The call is in the page once the runner's promise is pending; a
	// moment is all it needs, and a crash before it is fine too.
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	go cdp.Call(ctx, p.target, page.Crash, cdp.Empty{})
	select {
	case err := <-done:
		if !errors.Is(err, ErrPageCrashed) || !errors.Is(err, ErrPageClosed) {
			t.Errorf("err = %v, want ErrPageCrashed (which is ErrPageClosed)", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the call failed %v after the crash", d)
		}
	case <-ctx.Done():
		t.Fatal("the call did not end after the crash")
	}
	if _, err := p.WaitCall(ctx, func(NetCall) bool { return false }); !errors.Is(err, ErrPageCrashed) {
		t.Errorf("WaitCall after the crash: %v, want ErrPageCrashed", err)
	}
}
