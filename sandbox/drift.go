package sandbox

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
)

// Drift is a set of changes to the page's own code that play the day the
// real web client changes under its users: the smoke checks of wxctl must
// catch each. Combine them with |.
type Drift uint

const (
	// DriftRenamedService registers chatroomFactory as chatRoomFactory.
	DriftRenamedService Drift = 1 << iota
	// DriftCreateResolves makes chatroomFactory.create resolve whatever the
	// Ret, where the real one rejects every Ret but 0.
	DriftCreateResolves
	// DriftCreateWithoutTopic drops Topic from create's request body.
	DriftCreateWithoutTopic
)

// driftEdits are the edits of each drift to static/js/chatroom.js: the
// text to find (exactly once) and its replacement.
var driftEdits = []struct {
	drift    Drift
	old, new string
}{
	{DriftRenamedService, `factory('chatroomFactory'`, `factory('chatRoomFactory'`},
	{DriftCreateResolves, `if (data && data.BaseResponse && data.BaseResponse.Ret == 0) {`, `if (data) {`},
	{DriftCreateWithoutTopic, `{MemberCount: memberList.length, MemberList: memberList, Topic: ''}`, `{MemberCount: memberList.length, MemberList: memberList}`},
}

// WithDrift serves the page with the changes of d applied.
func WithDrift(d Drift) Option {
	return func(c *config) { c.drift = d }
}

// chatroomScript returns static/js/chatroom.js with the drift applied. An
// edit whose text is not found exactly once is an error: a drift that
// silently changes nothing would let the checks pass for the wrong reason.
func chatroomScript(static fs.FS, d Drift) ([]byte, error) {
	src, err := fs.ReadFile(static, "js/chatroom.js")
	if err != nil {
		return nil, fmt.Errorf("sandbox: embedded page: %w", err)
	}
	for _, e := range driftEdits {
		if d&e.drift == 0 {
			continue
		}
		if n := bytes.Count(src, []byte(e.old)); n != 1 {
			return nil, fmt.Errorf("sandbox: drift %d: the page's chatroom.js has %q %d times, want once", e.drift, e.old, n)
		}
		src = bytes.Replace(src, []byte(e.old), []byte(e.new), 1)
	}
	return src, nil
}

// serveChatroomScript serves chatroom.js as the drift made it.
func (s *Server) serveChatroomScript(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write(s.chatroomJS)
}
