package batch

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/wxctl/wxctl/browser"
)

// Rate is at most N creates within any window of Per; N == 0 is no limit.
type Rate struct {
	N   int
	Per time.Duration
}

// ParseRate reads --max-rate: "N/UNIT" with UNIT s, m, h or d (2/h,
// 20/d), or "N/DURATION" (1/90s, 5/1h30m).
func ParseRate(s string) (Rate, error) {
	if s == "" {
		return Rate{}, nil
	}
	count, per, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "/")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n < 1 {
		return Rate{}, fmt.Errorf("--max-rate %q: want a count and a period, as 2/h, 20/d or 1/90s", s)
	}
	units := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	d, ok := units[per]
	if !ok {
		if d, err = time.ParseDuration(per); err != nil || d <= 0 {
			return Rate{}, fmt.Errorf("--max-rate %q: the period must be s, m, h, d or a duration such as 90s", s)
		}
	}
	return Rate{N: n, Per: d}, nil
}

// spacing is the average time between creates that the rate allows.
func (r Rate) spacing() time.Duration {
	if r.N == 0 {
		return 0
	}
	return r.Per / time.Duration(r.N)
}

// backingOff starts the reason of a wait after a refusal for frequency.
const backingOff = "backing off"

// blockFactor makes the first wait after Ret 1205 (a block of the account,
// not a nudge) this many times --backoff.
const blockFactor = 10

// pacer decides when the next create may be sent: --interval after the
// previous one, within --max-rate, and not during a back-off after Ret 1
// or 1205. The back-off grows exponentially with jitter (cenkalti/backoff),
// so that clients told off together do not come back together; it ends
// when a call succeeds, and the run gives up when the waits since the
// first refusal would pass --max-wait. Its methods are safe for concurrent
// use: every worker of the run shares one pacer, as WeChat counts the
// account's creates, not a worker's.
type pacer struct {
	interval time.Duration
	rate     Rate
	maxWait  time.Duration
	now      func() time.Time

	mu           sync.Mutex
	bo           *backoff.ExponentialBackOff
	last         time.Time   // the last create's start
	sent         []time.Time // create starts within the last rate.Per
	holdUntil    time.Time   // no call before this: backing off
	holdWhy      string
	limitedSince time.Time // the first refusal since the last success; zero when none
	limitedAt    time.Time // when the current back-off began
}

func newPacer(interval time.Duration, rate Rate, firstBackoff, maxWait time.Duration) *pacer {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = firstBackoff
	bo.Multiplier = 2
	bo.RandomizationFactor = 0.3
	bo.MaxInterval = maxWait
	return &pacer{interval: interval, rate: rate, maxWait: maxWait, now: time.Now, bo: bo}
}

// seed makes the pacer count creates of earlier runs, given their start
// times, so that a resumed run keeps --interval and --max-rate too.
func (p *pacer) seed(starts []time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range starts {
		p.note(t)
	}
}

func (p *pacer) note(t time.Time) {
	if t.After(p.last) {
		p.last = t
	}
	if p.rate.N > 0 {
		p.sent = append(p.sent, t)
	}
}

// reserve takes the next create's slot if it is free now and returns 0;
// otherwise it returns how long until it may be, and why.
func (p *pacer) reserve() (time.Duration, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	wait, why := p.holdLeft(now)
	if !p.last.IsZero() {
		if d := p.last.Add(p.interval).Sub(now); d > wait {
			wait, why = d, "--interval between creates"
		}
	}
	if d := p.rateWait(now); d > wait {
		wait, why = d, fmt.Sprintf("--max-rate %d per %s", p.rate.N, p.rate.Per)
	}
	if wait > 0 {
		return wait, why
	}
	p.note(now)
	return 0, ""
}

func (p *pacer) holdLeft(now time.Time) (time.Duration, string) {
	if d := p.holdUntil.Sub(now); d > 0 {
		return d, p.holdWhy
	}
	return 0, ""
}

// rateWait is how long until one more create fits in the rate's window.
func (p *pacer) rateWait(now time.Time) time.Duration {
	if p.rate.N == 0 {
		return 0
	}
	keep := p.sent[:0]
	for _, t := range p.sent {
		if now.Sub(t) < p.rate.Per {
			keep = append(keep, t)
		}
	}
	p.sent = keep
	if len(p.sent) < p.rate.N {
		return 0
	}
	return p.sent[len(p.sent)-p.rate.N].Add(p.rate.Per).Sub(now)
}

// waitCreate waits until a create may be sent and takes its slot. show is
// told of each wait before it begins. It returns early with ctx's cause.
func (p *pacer) waitCreate(ctx context.Context, show func(time.Duration, string)) error {
	return p.waitFor(ctx, p.reserve, show)
}

// waitHold waits out a back-off, for calls other than creates (a topic set
// after a create), which --interval does not space.
func (p *pacer) waitHold(ctx context.Context, show func(time.Duration, string)) error {
	return p.waitFor(ctx, func() (time.Duration, string) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.holdLeft(p.now())
	}, show)
}

func (p *pacer) waitFor(ctx context.Context, ready func() (time.Duration, string), show func(time.Duration, string)) error {
	for {
		d, why := ready()
		if d <= 0 {
			return nil
		}
		show(d, why)
		if err := sleepCtx(ctx, d); err != nil {
			return err
		}
	}
}

// sleepCtx waits d, or until ctx ends, which it reports with ctx's cause.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// gaveUpError says that WeChat kept refusing for frequency for longer than
// --max-wait allows.
type gaveUpError struct {
	Ret     int
	Waited  time.Duration // since the first refusal
	MaxWait time.Duration
}

func (e *gaveUpError) Error() string {
	return fmt.Sprintf("WeChat still answers Ret %d (%s) after %s of backing off, and --max-wait is %s",
		e.Ret, browser.RetMeaning(e.Ret), e.Waited.Round(time.Second), e.MaxWait)
}

// Is makes giving up a rate limit (exit 5).
func (e *gaveUpError) Is(target error) bool { return target == browser.ErrRateLimited }

// limited records that WeChat answered ret (1 or 1205) to a call sent at
// sent, and schedules the back-off. Refusals of calls sent before the
// current back-off began are one wave of several workers and do not make
// it longer. It returns the wait, or a *gaveUpError when waiting would pass
// --max-wait.
func (p *pacer) limited(ret int, sent time.Time) (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if !p.limitedAt.IsZero() && sent.Before(p.limitedAt) {
		d, _ := p.holdLeft(now)
		return d, nil
	}
	if p.limitedSince.IsZero() {
		p.limitedSince = now
		p.bo.Reset()
	}
	d := p.bo.NextBackOff()
	if ret == browser.RetFrequencyBlock {
		d = max(d, blockFactor*p.bo.InitialInterval)
	}
	if waited := now.Sub(p.limitedSince); waited+d > p.maxWait {
		return 0, &gaveUpError{Ret: ret, Waited: waited, MaxWait: p.maxWait}
	}
	p.holdUntil, p.limitedAt = now.Add(d), now
	p.holdWhy = fmt.Sprintf("%s after Ret %d (%s)", backingOff, ret, browser.RetMeaning(ret))
	return d, nil
}

// succeeded ends a back-off: WeChat took a call again.
func (p *pacer) succeeded() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limitedSince, p.limitedAt = time.Time{}, time.Time{}
	p.bo.Reset()
}

// spacing is the least average time between creates, for estimates.
func (p *pacer) spacing() time.Duration {
	return max(p.interval, p.rate.spacing())
}
