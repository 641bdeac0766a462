package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// controlRequest is the body of POST /sandbox/control. Its parts apply in
// this order: clearFaults, fault, friend, session, phone.
//
//	{"phone": "scan"}        the phone scans the QR code (also "confirm",
//	                         "cancel", "expire": the code expires)
//	{"session": "expire"}    the server drops the session: Ret 1101 and
//	                         synccheck retcode 1101 from now on
//	{"session": "block"}     webwxnewloginpage refuses with <ret>1203</ret>
//	                         (lifted by {"clearFaults": true})
//	{"friend": {"name": "Bob", "action": "say", "text": "hi"}}
//	                         a friend acts (see controlFriend)
type controlRequest struct {
	ClearFaults bool           `json:"clearFaults"`
	Fault       *controlFault  `json:"fault"`
	Friend      *controlFriend `json:"friend"`
	Session     string         `json:"session"`
	Phone       PhoneStep      `json:"phone"`
}

// controlFriend is what another person does: Action "say" sends Text to
// the user, or into Group when given; "join" and "leave" change Group's
// members; "rename" sets Group's topic to Text. Name and Group are
// UserNames or names (NickName, RemarkName, topic).
type controlFriend struct {
	Name   string `json:"name"`
	Action string `json:"action"`
	Group  string `json:"group"`
	Text   string `json:"text"`
}

// apply runs the action on s; for "say" it returns the message's MsgId.
func (f *controlFriend) apply(s *Server) (string, error) {
	switch f.Action {
	case FriendSay:
		return s.FriendSays(f.Name, f.Group, f.Text)
	case FriendJoin, FriendLeave, FriendRename:
		if f.Group == "" {
			return "", fmt.Errorf("friend %s needs a group", f.Action)
		}
	default:
		return "", fmt.Errorf("unknown friend action %q (want say, join, leave or rename)", f.Action)
	}
	switch f.Action {
	case FriendJoin:
		return "", s.FriendJoins(f.Name, f.Group)
	case FriendLeave:
		return "", s.FriendLeaves(f.Name, f.Group)
	}
	return "", s.FriendRenames(f.Name, f.Group, f.Text)
}

// The values of the control endpoint's "session" field.
const (
	sessionExpire = "expire"
	sessionBlock  = "block"
)

// controlFault is a Fault as JSON; Delay is a Go duration such as "1.5s".
type controlFault struct {
	Endpoint          string `json:"endpoint"`
	Ret               int    `json:"ret"`
	ErrMsg            string `json:"errMsg"`
	Status            int    `json:"status"`
	Body              string `json:"body"`
	Delay             string `json:"delay"`
	EmptyChatRoomName bool   `json:"emptyChatRoomName"`
	Once              bool   `json:"once"`
}

// fault converts the JSON form to a Fault.
func (f *controlFault) fault() (Fault, error) {
	var d time.Duration
	if f.Delay != "" {
		var err error
		if d, err = time.ParseDuration(f.Delay); err != nil {
			return Fault{}, fmt.Errorf("fault delay: %w", err)
		}
	}
	return Fault{
		Endpoint: f.Endpoint, Ret: f.Ret, ErrMsg: f.ErrMsg, Status: f.Status, Body: f.Body, Delay: d,
		EmptyChatRoomName: f.EmptyChatRoomName, Once: f.Once,
	}, nil
}

// serveControl lets a person driving `wxctl sandbox` by hand (or a test of
// another process) set faults, end or block the session and play the
// phone, and make other people act. It answers {"ok": true, "faults": N}
// (with "msgId" after a friend's message) or, for a bad request, HTTP 400
// with {"ok": false, "error": "…"}.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	msgID, err := s.control(io.LimitReader(r.Body, maxBody))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": err.Error()})
		return
	}
	s.mu.Lock()
	n := len(s.faults)
	s.mu.Unlock()
	out := map[string]any{"ok": true, "faults": n}
	if msgID != "" {
		out["msgId"] = msgID
	}
	_ = json.NewEncoder(w).Encode(out)
}

// control applies one control request. It returns the MsgId of a
// friend's message.
func (s *Server) control(body io.Reader) (msgID string, err error) {
	var req controlRequest
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields() // a typo should not pass silently
	if err := dec.Decode(&req); err != nil {
		return "", fmt.Errorf("control: %w", err)
	}
	if !req.ClearFaults && req.Fault == nil && req.Friend == nil && req.Session == "" && req.Phone == "" {
		return "", errors.New("control: want clearFaults, fault, friend, session or phone")
	}
	switch req.Session {
	case "", sessionExpire, sessionBlock:
	default:
		return "", fmt.Errorf("control: unknown session action %q (want expire or block)", req.Session)
	}
	if req.ClearFaults {
		s.ClearFaults()
	}
	if req.Fault != nil {
		f, err := req.Fault.fault()
		if err != nil {
			return "", fmt.Errorf("control: %w", err)
		}
		s.SetFault(f)
	}
	if req.Friend != nil {
		if msgID, err = req.Friend.apply(s); err != nil {
			return "", fmt.Errorf("control: %w", err)
		}
	}
	switch req.Session {
	case sessionExpire:
		s.ExpireSession()
	case sessionBlock:
		s.BlockLogin()
	}
	if req.Phone != "" {
		return msgID, s.Phone(req.Phone)
	}
	return msgID, nil
}
