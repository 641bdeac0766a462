package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/wxctl/wxctl/scripts"
)

// EndpointSendMsg is where the app's chatFactory posts a text message.
const EndpointSendMsg = "webwxsendmsg"

// SendResult is a text message sent through the app's chatFactory and
// WeChat's answer to the app's webwxsendmsg call.
type SendResult struct {
	To string // UserName of the friend or group
	// LocalID is the app's id of the message (also its ClientMsgId), by
	// which its request is told from any other.
	LocalID string
	// Content is the text as the app sent it (the message's MMSendContent).
	Content string
	// Answered is true when a WeChat answer was read; Ret, ErrMsg and MsgID
	// are then its fields.
	Answered bool
	Ret      int
	ErrMsg   string
	// MsgID is WeChat's id of the message: proof that it was accepted.
	MsgID string
	Call  NetCall
}

// SendText sends text to a friend or group (a UserName, see ResolveChat)
// the way the page's own chat box does: chatFactory.createMessage,
// appendMessage and sendMessage. sendMessage returns nothing, so the outcome
// is the answer to the app's webwxsendmsg call with the message's LocalID:
// Ret 0 with a MsgID.
//
// The result is returned with the error once the app made the message.
// Errors: a *RetError or *HTTPError when WeChat refused (or answered Ret 0
// without a MsgID), an *UnknownOutcomeError when no answer came before ctx
// ended or the answer is not WeChat's.
func SendText(ctx context.Context, p *Page, to, text string) (*SendResult, error) {
	mark := p.LastSeq()
	raw, err := p.Run(ctx, scripts.SendText, to, text)
	if err != nil {
		return nil, outcomeError(ctx, p, mark, EndpointSendMsg, err)
	}
	var made struct {
		LocalID       string `json:"LocalID"`
		MMSendContent string `json:"MMSendContent"`
	}
	if err := json.Unmarshal(raw, &made); err != nil || made.LocalID == "" {
		return nil, fmt.Errorf("chatFactory.createMessage gave no LocalID: %s", abbreviate(string(raw), 120))
	}
	res := &SendResult{To: to, LocalID: made.LocalID, Content: made.MMSendContent}
	call, err := p.WaitCall(ctx, func(c NetCall) bool {
		return c.Seq > mark && c.Endpoint == EndpointSendMsg && sentLocalID(c.RequestBody) == made.LocalID
	})
	if err != nil {
		return res, outcomeError(ctx, p, mark, EndpointSendMsg, err)
	}
	res.Call = call
	res.Ret, res.ErrMsg, res.Answered = answerOf(call)
	if err := checkChange(EndpointSendMsg, call); err != nil {
		return res, err
	}
	var ans struct {
		MsgID json.RawMessage `json:"MsgID"`
	}
	_ = json.Unmarshal(call.ResponseBody, &ans) // CheckAnswer has seen it is WeChat JSON
	if res.MsgID = jsonText(ans.MsgID); res.MsgID == "" {
		return res, &RetError{Op: EndpointSendMsg, Ret: res.Ret, ErrMsg: res.ErrMsg,
			Why: "but the answer has no MsgID: the message may not have been sent"}
	}
	return res, nil
}

// sentLocalID is Msg.LocalID of a webwxsendmsg request body.
func sentLocalID(body json.RawMessage) string {
	var req struct {
		Msg json.RawMessage `json:"Msg"`
	}
	if json.Unmarshal(body, &req) != nil {
		return ""
	}
	return requestField(req.Msg, "LocalID")
}

// jsonText is a JSON string's text, or a number as written; "" for
// anything else. The server writes ids as strings, but a number would be
// as good.
func jsonText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

// ResolveChat finds whom to write to: "@@…" among your groups, "@…" among
// your friends, any other name among both, by a friend's NickName,
// RemarkName or Alias or a group's topic (see ResolveGroup). Yourself is
// refused (WeChat answers 1204), as are unknown and ambiguous names, with
// the candidates.
func (b *AddressBook) ResolveChat(name string) (Contact, error) {
	name = strings.TrimSpace(name)
	chats := slices.Concat(b.Friends, b.Groups)
	c, problem := pickOne(chats, name, matchNames, "friend or group")
	if problem != "" && b.isSelfName(name) {
		problem = "that is yourself: WeChat refuses a message to yourself (1204)"
	}
	if problem != "" {
		return Contact{}, &NameError{Problems: []string{problem}}
	}
	return c, nil
}
