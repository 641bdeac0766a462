package sandbox

import (
	"time"
)

// Ret values of the real server's frequency limits (WEBWX.md): 1 is "too
// frequent, try again later", 1205 a block of the account for a while.
const (
	RetTooFrequent    = 1
	RetFrequencyBlock = 1205
)

// tooFrequentMsg is the ErrMsg the real server sends with Ret 1.
const tooFrequentMsg = "操作太频繁，请稍后再试"

// RateLimit is a limit on webwxcreatechatroom like the real server's: at
// most Burst creates within any window of Per; past it the server answers
// Ret (RetTooFrequent or RetFrequencyBlock) and makes no room. A zero Burst
// means no limit.
type RateLimit struct {
	Burst int
	Per   time.Duration
	Ret   int
}

// WithRateLimit makes the server refuse creates past burst within any window
// of per with Ret ret, as web WeChat does after a few groups ("操作太频繁" or
// 1205). Refused creates do not count toward the window, so a client that
// waits gets through again.
func WithRateLimit(burst int, per time.Duration, ret int) Option {
	return func(c *config) { c.rateLimit = RateLimit{Burst: burst, Per: per, Ret: ret} }
}

// SetRateLimit changes the create limit of a running server (see
// WithRateLimit); RateLimit{} lifts it. The window starts empty again.
func (s *Server) SetRateLimit(l RateLimit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter = createLimiter{rule: l}
}

// RateLimited returns how many creates the limit has refused so far.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limiter.refused
}

// createLimiter is the state of the create limit: the times of the creates
// it let through within the current window.
type createLimiter struct {
	rule    RateLimit
	times   []time.Time
	refused int
}

// rateLimitLocked admits one create or refuses it with the limit's Ret. The
// caller holds s.mu, so that the count and the room it admits go together
// when creates arrive at once.
func (s *Server) rateLimitLocked() *refusal {
	l := &s.limiter
	if l.rule.Burst <= 0 {
		return nil
	}
	now := time.Now()
	keep := l.times[:0]
	for _, t := range l.times {
		if now.Sub(t) < l.rule.Per {
			keep = append(keep, t)
		}
	}
	l.times = keep
	if len(l.times) >= l.rule.Burst {
		l.refused++
		ret := l.rule.Ret
		if ret == 0 {
			ret = RetTooFrequent
		}
		msg := ""
		if ret == RetTooFrequent {
			msg = tooFrequentMsg
		}
		return refuse(ret, msg)
	}
	l.times = append(l.times, now)
	return nil
}
