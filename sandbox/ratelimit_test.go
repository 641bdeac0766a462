package sandbox

import (
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	c := newClient(t, WithRateLimit(2, 300*time.Millisecond, RetTooFrequent))
	rooms := len(c.s.Rooms())
	for i := range 2 {
		if b := base(t, c.createRoom("", Rain1ove, HuiTao)); b.Ret != 0 {
			t.Fatalf("create %d within the burst: Ret %d", i+1, b.Ret)
		}
	}
	b := base(t, c.createRoom("", Rain1ove, HuiTao))
	if b.Ret != RetTooFrequent || b.ErrMsg != tooFrequentMsg {
		t.Errorf("create past the burst: %+v, want Ret 1 %q", b, tooFrequentMsg)
	}
	if n := len(c.s.Rooms()); n != rooms+2 {
		t.Errorf("%d rooms made, want 2: a refused create made one", n-rooms)
	}
	if n := c.s.RateLimited(); n != 1 {
		t.Errorf("RateLimited() = %d, want 1", n)
	}

	// The window slides: once it has passed, creates go through again.
	deadline := time.Now().Add(2 * time.Second)
	for base(t, c.createRoom("", Rain1ove, HuiTao)).Ret != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the limit never lifted")
		}
		timer := time.NewTimer(50 * time.Millisecond)
		<-timer.C
	}

	c.s.SetRateLimit(RateLimit{Burst: 1, Per: time.Hour, Ret: RetFrequencyBlock})
	if b := base(t, c.createRoom("", Rain1ove, HuiTao)); b.Ret != 0 {
		t.Errorf("first create under a new limit: Ret %d", b.Ret)
	}
	if b := base(t, c.createRoom("", Rain1ove, HuiTao)); b.Ret != RetFrequencyBlock {
		t.Errorf("second create: Ret %d, want 1205", b.Ret)
	}
	c.s.SetRateLimit(RateLimit{})
	if b := base(t, c.createRoom("", Rain1ove, HuiTao)); b.Ret != 0 {
		t.Errorf("create after the limit was lifted: Ret %d", b.Ret)
	}
}
