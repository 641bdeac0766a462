package batch

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wxctl/wxctl/browser"
)

func TestParseMaxRate(t *testing.T) {
	for in, want := range map[string]Rate{
		"":        {},
		"2/h":     {2, time.Hour},
		"20/d":    {20, 24 * time.Hour},
		"1/90s":   {1, 90 * time.Second},
		"5/1h30m": {5, 90 * time.Minute},
		" 3 / m":  {3, time.Minute},
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"2", "0/h", "x/h", "2/week", "2/-1s", "-1/h"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// fakeClock is a pacer's clock that tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newTestPacer(p *pacer) (*pacer, *fakeClock) {
	c := &fakeClock{t: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
	p.now = c.now
	return p, c
}

func TestPacerInterval(t *testing.T) {
	p, clock := newTestPacer(newPacer(30*time.Second, Rate{}, time.Minute, time.Hour))
	if d, _ := p.reserve(); d != 0 {
		t.Fatalf("first create waits %v", d)
	}
	clock.add(10 * time.Second)
	if d, why := p.reserve(); d != 20*time.Second || why != "--interval between creates" {
		t.Errorf("second create waits %v (%s), want 20s for --interval", d, why)
	}
	clock.add(20 * time.Second)
	if d, _ := p.reserve(); d != 0 {
		t.Errorf("after the interval: waits %v", d)
	}
}

func TestPacerMaxRate(t *testing.T) {
	p, clock := newTestPacer(newPacer(0, Rate{N: 2, Per: time.Hour}, time.Minute, time.Hour))
	// Two creates of an earlier run, 50 and 10 minutes ago.
	p.seed([]time.Time{clock.t.Add(-50 * time.Minute), clock.t.Add(-10 * time.Minute)})
	if d, _ := p.reserve(); d != 10*time.Minute {
		t.Errorf("third create in the hour waits %v, want 10m", d)
	}
	clock.add(10 * time.Minute)
	if d, _ := p.reserve(); d != 0 {
		t.Errorf("once the oldest left the window: waits %v", d)
	}
	if d, _ := p.reserve(); d != 40*time.Minute { // the one of 20 minutes ago leaves first
		t.Errorf("next waits %v, want 40m", d)
	}
}

func TestPacerBackoff(t *testing.T) {
	p, clock := newTestPacer(newPacer(0, Rate{}, time.Minute, time.Hour))
	sent := clock.t
	var waits []time.Duration
	for range 4 {
		d, err := p.limited(browser.RetTooFrequent, sent)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, d)
		if got, why := p.reserve(); got != d || why == "" {
			t.Errorf("create during the back-off waits %v (%s), want %v", got, why, d)
		}
		clock.add(d)
		sent = clock.t
	}
	// Exponential with ±30% jitter around 1m, 2m, 4m, 8m.
	for i, d := range waits {
		base := time.Minute << i
		if d < base*7/10 || d > base*13/10+time.Nanosecond {
			t.Errorf("wait %d = %v, want %v ±30%% (all: %v)", i, d, base, waits)
		}
	}
	// A refusal of a create sent before the back-off began is the same
	// wave (another worker's): it does not double the wait.
	d, _ := p.limited(browser.RetTooFrequent, sent)
	if again, _ := p.limited(browser.RetTooFrequent, sent.Add(-time.Second)); again != d {
		t.Errorf("same-wave refusal: wait %v, want the current %v", again, d)
	}
	p.succeeded()
	if d, _ := p.limited(browser.RetTooFrequent, clock.t.Add(time.Second)); d > 78*time.Second {
		t.Errorf("after a success the back-off starts over; got %v", d)
	}
}

func TestPacerGivesUp(t *testing.T) {
	p, clock := newTestPacer(newPacer(0, Rate{}, time.Minute, 10*time.Minute))
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		var d time.Duration
		d, err = p.limited(browser.RetTooFrequent, clock.t)
		clock.add(d)
	}
	var gave *gaveUpError
	if !errors.As(err, &gave) || !errors.Is(err, browser.ErrRateLimited) || gave.Waited > 10*time.Minute {
		t.Fatalf("err %v, want a *gaveUpError within --max-wait", err)
	}
	// Ret 1205 is a block: its first wait is ten times --backoff.
	p, clock = newTestPacer(newPacer(0, Rate{}, time.Minute, time.Hour))
	if d, err := p.limited(browser.RetFrequencyBlock, clock.t); err != nil || d < 10*time.Minute {
		t.Errorf("1205: wait %v, %v; want at least 10m", d, err)
	}
	p, clock = newTestPacer(newPacer(0, Rate{}, time.Minute, 5*time.Minute))
	if _, err := p.limited(browser.RetFrequencyBlock, clock.t); !errors.Is(err, browser.ErrRateLimited) {
		t.Errorf("1205 past --max-wait: %v, want giving up at once", err)
	}
}

// TestPacerWaitStopsAtCancel checks that a wait ends as soon as the run is
// stopped (Ctrl-C), not when its timer fires.
func TestPacerWaitStopsAtCancel(t *testing.T) {
	p := newPacer(time.Hour, Rate{}, time.Minute, time.Hour)
	if err := p.waitCreate(context.Background(), func(time.Duration, string) {}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := fmt.Errorf("stopped by the test")
	shown := make(chan time.Duration, 1)
	done := make(chan error, 1)
	go func() {
		done <- p.waitCreate(ctx, func(d time.Duration, _ string) { shown <- d })
	}()
	if d := <-shown; d < 59*time.Minute {
		t.Errorf("the wait shown is %v, want about the hour of --interval", d)
	}
	start := time.Now()
	cancel(cause)
	if err := <-done; !errors.Is(err, cause) {
		t.Errorf("wait ended with %v, want the cause", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the wait took %v to end after the cancel", d)
	}
}

func TestClassifyCreate(t *testing.T) {
	created := &browser.RoomResult{Created: true, Ret: 0, ChatRoomName: "@@a", Topic: "Hikers"}
	untitled := &browser.RoomResult{Created: true, Ret: 0, ChatRoomName: "@@a"}
	flagged := &browser.RoomResult{Created: true, Flagged: true, Ret: -2013, ChatRoomName: "@@a", Topic: "Hikers"}
	tests := []struct {
		name   string
		res    *browser.RoomResult
		err    error
		status string
	}{
		{"created", created, nil, StatusCreated},
		{"created, read-back failed", created, errors.New("reading it back failed"), StatusCreated},
		{"flagged -2013", flagged, nil, StatusCreated},
		{"topic not set", untitled, errors.New("setting its topic failed"), StatusUntitled},
		{"Ret 1", &browser.RoomResult{Ret: 1}, &browser.RetError{Op: "c", Ret: 1}, StatusRateLimited},
		{"Ret 1205", nil, &browser.RetError{Op: "c", Ret: 1205}, StatusRateLimited},
		{"Ret 1101", nil, &browser.RetError{Op: "c", Ret: 1101}, StatusLoggedOut},
		{"Ret 1204", nil, &browser.RetError{Op: "c", Ret: 1204}, StatusRefused},
		{"Ret 0 without a name", nil, &browser.RetError{Op: "c", Ret: 0, Why: "no ChatRoomName"}, StatusRefused},
		{"cut connection", nil, &browser.HTTPError{Op: "c", Text: "net::ERR_CONTENT_LENGTH_MISMATCH"}, StatusUnknown},
		{"HTTP 502", nil, &browser.HTTPError{Op: "c", Status: 502}, StatusUnknown},
		{"timeout", nil, &browser.UnknownOutcomeError{Op: "c", Sent: true, Err: context.DeadlineExceeded}, StatusUnknown},
		{"page crashed", nil, browser.ErrPageClosed, StatusUnknown},
	}
	for _, tt := range tests {
		if got := classifyCreate("Hikers", tt.res, tt.err); got.status != tt.status {
			t.Errorf("%s: %s, want %s", tt.name, got.status, tt.status)
		}
	}
	if o := classifyCreate("Hikers", flagged, nil); !o.flagged || o.room != "@@a" || *o.ret != -2013 {
		t.Errorf("flagged outcome %+v", o)
	}
}

func TestBatchOutcome(t *testing.T) {
	sum := SummaryJSON{Total: 5, Done: 2, Failed: 1, Remaining: 2}
	tests := []struct {
		name    string
		sum     SummaryJSON
		stopErr error
		class   error // what the error is, for cmd's exit code; nil: none
		stopped string
	}{
		{"all done", SummaryJSON{Total: 5, Done: 5}, nil, nil, ""},
		{"some failed", sum, nil, browser.ErrRefused, ""},
		{"rate limits", sum, &gaveUpError{Ret: 1}, browser.ErrRateLimited, "rate-limited"},
		{"session ended", sum, browser.ErrNotLoggedIn, browser.ErrNotLoggedIn, "not-logged-in"},
		{"Ctrl-C", sum, context.Canceled, context.Canceled, "interrupted"},
		{"browser gone", sum, browser.ErrBrowserGone, browser.ErrBrowserGone, "browser-gone"},
	}
	for _, tt := range tests {
		err := batchOutcome(tt.sum, tt.stopErr)
		if (tt.class == nil) != (err == nil) || tt.class != nil && !errors.Is(err, tt.class) || stopName(tt.stopErr) != tt.stopped {
			t.Errorf("%s: %v, stopped %q; want %v, %q", tt.name, err, stopName(tt.stopErr), tt.class, tt.stopped)
		}
	}
}
