package sandbox

import (
	"io"
	"net/http"
	"slices"
	"time"
)

// Fault changes how the server answers an endpoint, to play the failures of
// the real server. A fault applies before the session check and the normal
// handling, in this order: Delay, then the first of Status, Ret and
// EmptyChatRoomName that is set. A fault with only a Delay answers normally
// after the delay.
type Fault struct {
	// Endpoint is the last path element of the request: "webwxcreatechatroom",
	// "webwxbatchgetcontact", "synccheck", "webwxnewloginpage", … An empty
	// Endpoint matches every API request.
	Endpoint string
	// Ret, when non-zero, answers the endpoint's error shape with
	// BaseResponse.Ret = Ret and BaseResponse.ErrMsg = ErrMsg, except -2013
	// on webwxcreatechatroom, which makes the room as usual and answers
	// with that Ret, as the real server sometimes does. The endpoints
	// that answer JavaScript or XML carry it their own way: synccheck as
	// retcode, the QR poll as window.code, webwxnewloginpage as <ret>.
	Ret    int
	ErrMsg string
	// Status, when non-zero, answers this HTTP status with a short text body.
	Status int
	// Body, when set, answers HTTP 200 with this body in place of the
	// endpoint's answer (what a captive portal or a broken proxy sends);
	// nothing is done.
	Body string
	// Delay holds the answer this long; a request cancelled meanwhile gets
	// no answer.
	Delay time.Duration
	// EmptyChatRoomName makes webwxcreatechatroom answer Ret 0 with an empty
	// ChatRoomName and create no room (ErrMsg, if set, goes to
	// BaseResponse.ErrMsg).
	EmptyChatRoomName bool
	// Once applies the fault to the next matching request only; otherwise it
	// stays until ClearFaults.
	Once bool
}

// SetFault adds a fault. When several match a request, the one set last wins.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault for an endpoint, consuming it when it is Once.
func (s *Server) takeFault(endpoint string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range slices.Backward(s.faults) {
		if f.Endpoint != "" && f.Endpoint != endpoint {
			continue
		}
		if f.Once {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return f, true
	}
	return Fault{}, false
}

// applyFault answers as the fault says and reports whether the request is
// done; false lets the normal handling go on (a fault with only a Delay).
func (s *Server) applyFault(c *call, f Fault) bool {
	if f.Delay > 0 && s.wait(c.r.Context(), nil, f.Delay) == gone {
		return true
	}
	switch {
	case f.Ret == retCreateFlagged && c.endpoint == "webwxcreatechatroom":
		// -2013 comes with a made room: the normal handling goes on.
		c.flagged = refuse(f.Ret, f.ErrMsg)
		return false
	case f.Status != 0:
		http.Error(c.w, http.StatusText(f.Status), f.Status)
	case f.Body != "":
		c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(c.w, f.Body)
	case f.Ret != 0:
		c.fail(f.Ret, f.ErrMsg)
	case f.EmptyChatRoomName && c.endpoint == "webwxcreatechatroom":
		a := newCreateAnswer()
		a.setBase(retOK, f.ErrMsg)
		c.json(a)
	default:
		return false
	}
	return true
}
