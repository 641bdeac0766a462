package sandbox

import (
	"strings"
	"time"
)

// msgTypeText is the MsgType of a text message (confFactory.MSGTYPE_TEXT).
const msgTypeText = 1

// msgStatusSent is the Status the real server gives a message the user sent.
const msgStatusSent = 3

// sendMsgRequest is the part of a webwxsendmsg body the server reads: the
// app's chatFactory._postMessage wraps the message in Msg next to the
// BaseRequest.
type sendMsgRequest struct {
	Msg *struct {
		Type         int
		Content      string
		FromUserName string
		ToUserName   string
		LocalID      string
		ClientMsgID  string `json:"ClientMsgId"`
	}
}

// sendMsgAnswer is the webwxsendmsg answer: the server's MsgID for the
// message and the LocalID the app gave it.
type sendMsgAnswer struct {
	envelope
	MsgID   string
	LocalID string
}

func newSendMsgAnswer() answer { return &sendMsgAnswer{} }

// serveSendMsg answers webwxsendmsg: a text message to a friend or to a room
// the user is in. The message comes back through webwxsync's AddMsgList, as
// the real server echoes what the user sent, and the app drops the echo by
// its MsgId.
func (s *Server) serveSendMsg(c *call) {
	var req sendMsgRequest
	if !c.decode(&req) {
		return
	}
	s.mu.Lock()
	m, no := s.st.sendText(&req)
	if no == nil {
		s.notifyLocked()
	}
	s.mu.Unlock()
	if no != nil {
		c.fail(no.ret, no.msg)
		return
	}
	a := &sendMsgAnswer{MsgID: m.MsgID, LocalID: req.Msg.LocalID}
	a.setBase(retOK, "")
	c.json(a)
}

// sendText validates a message like the real server (Ret 1204 for the user
// himself or a stranger, 1200 for a malformed one) and queues it for
// webwxsync.
func (st *state) sendText(req *sendMsgRequest) (*message, *refusal) {
	m := req.Msg
	switch {
	case m == nil || m.LocalID == "" || m.ToUserName == "":
		return nil, refuse(retBadRequest, "bad request: Msg needs ToUserName and LocalID")
	case m.Type != msgTypeText:
		return nil, refuse(retBadRequest, "the sandbox sends text messages only (Type 1)")
	case m.FromUserName != SelfUserName:
		return nil, refuse(retBadRequest, "FromUserName is not the user")
	case strings.TrimSpace(m.Content) == "":
		return nil, refuse(retBadRequest, "empty message")
	case !st.canMessage(m.ToUserName):
		return nil, refuse(retBadMember, "cannot send to "+m.ToUserName)
	}
	id := randomInt(1e18, 9e18)
	msg := &message{
		MsgID: itoa(id), FromUserName: SelfUserName, ToUserName: m.ToUserName,
		MsgType: msgTypeText, Content: escapeMessage(m.Content), Status: msgStatusSent,
		ImgStatus: 1, CreateTime: time.Now().Unix(), NewMsgID: id,
	}
	st.seq++
	st.touch(m.ToUserName)
	// No room in the event: nothing about a contact changed, only the chat.
	st.events = append(st.events, event{seq: st.seq, msg: msg})
	return msg, nil
}

// canMessage reports whether the user may write to userName: a friend, or a
// room the user is in. Messages to yourself are refused like on the real
// server (1204); the file helper is out of the sandbox's scope.
func (st *state) canMessage(userName string) bool {
	if r, ok := st.rooms[userName]; ok {
		return r.has(SelfUserName)
	}
	return st.isFriend(userName)
}

// escapeMessage writes a text message the way webwxsync carries it: HTML
// escaped, with <br/> for new lines.
func escapeMessage(text string) string {
	return strings.ReplaceAll(escapeText(text), "\n", "<br/>")
}
