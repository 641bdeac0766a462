package sandbox

import (
	"io"
	"net/http"
	"slices"
)

// lostAnswer is the lost-answer switch: which create loses its answer, and
// the groups whose answers were lost so far.
type lostAnswer struct {
	countdown int // creates that make a group until the one that loses its answer; 0 = off
	before    func(chatRoomName string)
	dropped   []string
}

// DropCreateAnswer arms the lost-answer switch: the nth webwxcreatechatroom
// from now that makes a group (1 = the next one) makes it as usual, then
// the server calls before (when not nil) with the group's ChatRoomName and
// drops the answer: it sends the start of the answer and closes the
// connection, as a proxy or a network that fails mid-answer does. The page
// sees a failed request and never learns the group's name, which only
// webwxsync tells it later; that is the case wxctl must resolve without
// creating the group again.
//
// before runs while the request is held, so a test can do there what
// should happen at that moment, such as crashing the page's renderer
// through the DevTools protocol (Page.crash), the way a real crash takes
// the answer with it.
func (s *Server) DropCreateAnswer(nth int, before func(chatRoomName string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lost.countdown, s.lost.before = max(nth, 0), before
}

// DroppedAnswers returns the ChatRoomNames of the groups whose create answer
// the switch dropped, in order.
func (s *Server) DroppedAnswers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lost.dropped)
}

// dropCreateAnswer reports whether the switch takes the answer of this
// create, which made room; if so the answer has been dropped.
func (s *Server) dropCreateAnswer(c *call, room string) bool {
	s.mu.Lock()
	if s.lost.countdown == 0 {
		s.mu.Unlock()
		return false
	}
	s.lost.countdown--
	if s.lost.countdown > 0 {
		s.mu.Unlock()
		return false
	}
	before := s.lost.before
	s.lost.dropped = append(s.lost.dropped, room)
	s.mu.Unlock()

	if before != nil {
		before(room)
	}
	cutAnswer(c.w)
	return true
}

// partialAnswer is what the client receives of a dropped answer: the
// headers, promising more body than follows, and the body's first bytes. A
// connection closed before any answer would not do: Chrome sends a request
// again by itself when a reused connection closes without a byte of answer,
// which would make a second group; with headers received it does not.
const partialAnswer = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: application/json; charset=utf-8\r\n" +
	"Content-Length: 4096\r\n" +
	"Connection: close\r\n" +
	"\r\n" +
	`{"BaseResponse": {`

// cutAnswer sends the start of an answer and closes the connection.
func cutAnswer(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	conn, buf, err := rc.Hijack()
	if err != nil {
		// An HTTP/2 connection cannot be taken over: a gateway error is the
		// nearest answer that the page cannot read either.
		http.Error(w, http.StatusText(http.StatusBadGateway), http.StatusBadGateway)
		return
	}
	defer conn.Close()
	_, _ = io.WriteString(buf, partialAnswer)
	_ = buf.Flush()
}
