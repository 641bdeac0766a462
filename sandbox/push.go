package sandbox

import (
	"context"
	"time"
)

// On the genuine client the push channel outruns the create answer: the
// server wakes synccheck at once, webwxsync brings the system message in
// the new room, and the app, not knowing the room, queues its own batch get
// of it, which is usually on the wire, or answered, before a tool that
// called create() gets to ask. The sandbox makes that the normal case, not
// a rare one: while a page is on the push channel, it answers a create only
// once the page's own read of the new room has reached it, and answers
// that read only a moment after the create answer went out, so that the
// read is still on the wire when the tool looks.
const (
	// firstReadWait bounds how long a create answer waits for the page's
	// read of the new room: a page that never reads it gets its answer then.
	firstReadWait = time.Second
	// readLag is how long the page's read of a new room stays on the wire
	// after the create answer went out.
	readLag = 150 * time.Millisecond
	// readHold bounds how long that read waits for the create answer (one
	// dropped on purpose never goes out).
	readHold = 2 * time.Second
	// pushRecent is how long after its last synccheck a page still counts
	// as on the push channel (between two polls).
	pushRecent = 2 * time.Second
)

// WithPromptCreate answers a create as soon as the room is made, without
// waiting for the page's own read of it. The race stays the default: this
// is for tests and benchmarks that measure wxctl's own cost over many
// creates (a thousand creates would otherwise spend minutes in the hold).
func WithPromptCreate() Option {
	return func(c *config) { c.promptCreate = true }
}

// pushState is what the server knows of the page's push channel and of the
// rooms made while a page was on it; Server.mu guards it.
type pushState struct {
	polls    int       // synccheck requests being held
	lastPoll time.Time // when the last one ended
	// fresh are the rooms created while a page was on the push channel,
	// until the page's first read of them is answered.
	fresh map[string]*freshRoom
}

type freshRoom struct {
	read     bool      // the page's batch get of the room reached the server
	answered time.Time // when the create answer went out; zero before
}

// pollingLocked reports whether a page is on the push channel.
func (s *Server) pollingLocked() bool {
	return s.push.polls > 0 || time.Since(s.push.lastPoll) < pushRecent
}

// startPoll and endPoll count a synccheck being held.
func (s *Server) startPoll() {
	s.mu.Lock()
	s.push.polls++
	s.mu.Unlock()
}

func (s *Server) endPoll() {
	s.mu.Lock()
	s.push.polls--
	s.push.lastPoll = time.Now()
	s.mu.Unlock()
}

// freshLocked notes a room just created when a page is on the push
// channel to read it first; nil otherwise.
func (s *Server) freshLocked(room string) *freshRoom {
	if s.cfg.promptCreate || !s.pollingLocked() {
		return nil
	}
	if s.push.fresh == nil {
		s.push.fresh = make(map[string]*freshRoom)
	}
	f := &freshRoom{}
	s.push.fresh[room] = f
	return f
}

// awaitFirstRead holds a create answer until the page's own read of the
// new room f has reached the server, at most firstReadWait; then it marks
// the answer as going out.
func (s *Server) awaitFirstRead(ctx context.Context, f *freshRoom) {
	if f == nil {
		return
	}
	deadline := time.Now().Add(firstReadWait)
	for {
		s.mu.Lock()
		if f.read || !time.Now().Before(deadline) {
			f.answered = time.Now()
			s.notifyLocked()
			s.mu.Unlock()
			return
		}
		ch := s.changed
		s.mu.Unlock()
		if s.wait(ctx, ch, time.Until(deadline)) == gone {
			return
		}
	}
}

// holdFirstReads holds the answer of a batch get that lists rooms just
// created until their create answer has been out for readLag (at most
// readHold in all).
func (s *Server) holdFirstReads(ctx context.Context, userNames []string) {
	s.mu.Lock()
	var held []*freshRoom
	for _, u := range userNames {
		if f := s.push.fresh[u]; f != nil {
			f.read = true
			held = append(held, f)
			delete(s.push.fresh, u)
		}
	}
	if len(held) > 0 {
		s.notifyLocked()
	}
	s.mu.Unlock()
	deadline := time.Now().Add(readHold)
	for _, f := range held {
		for {
			s.mu.Lock()
			answered, ch := f.answered, s.changed
			s.mu.Unlock()
			wait := time.Until(deadline)
			if !answered.IsZero() {
				wait = min(wait, time.Until(answered.Add(readLag)))
			}
			if wait <= 0 {
				break
			}
			if s.wait(ctx, ch, wait) == gone {
				return
			}
		}
	}
}
