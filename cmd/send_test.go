package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/sandbox"
)

// sentMsg is a webwxsendmsg body as the sandbox received it.
type sentMsg struct {
	BaseRequest struct{ Uin int64 }
	Msg         struct {
		Type         int
		Content      string
		FromUserName string
		ToUserName   string
		LocalID      string
		ClientMsgID  string `json:"ClientMsgId"`
	}
}

func sentMsgs(t *testing.T, srv *sandbox.Server) []sentMsg {
	t.Helper()
	var out []sentMsg
	for _, r := range srv.Requests("webwxsendmsg") {
		var m sentMsg
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestSend(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	const text = "Hi \"Q\" </script> & &amp; 🎉\nsecond line"
	code, out, stderr := runJSON[sendJSON](t, url, "send", nil, "Boss", text)
	if code != ExitOK || !out.OK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// The request the app's chatFactory made, as the real one makes it.
	msgs := sentMsgs(t, srv)
	if len(msgs) != 1 {
		t.Fatalf("%d webwxsendmsg requests", len(msgs))
	}
	m := msgs[0].Msg
	if m.Type != 1 || m.Content != text || m.FromUserName != sandbox.SelfUserName || m.ToUserName != sandbox.ZhangWei ||
		m.LocalID == "" || m.ClientMsgID != m.LocalID || msgs[0].BaseRequest.Uin != srv.Session().Uin {
		t.Errorf("request %+v", msgs[0])
	}
	// The printed MsgID is the one WeChat answered. (The calls may hold the
	// app's own reads of its groups too, which it makes in the background.)
	var answer struct{ MsgID, LocalID string }
	var sends []callJSON
	for _, c := range out.Calls {
		if c.Endpoint == "webwxsendmsg" {
			sends = append(sends, c)
		}
	}
	if len(sends) != 1 || json.Unmarshal(sends[0].Response, &answer) != nil || answer.MsgID == "" {
		t.Fatalf("calls %+v", out.Calls)
	}
	if out.MsgID != answer.MsgID || out.LocalID != m.LocalID || out.Content != text || out.Ret == nil || *out.Ret != 0 ||
		out.To == nil || out.To.UserName != sandbox.ZhangWei || out.To.RemarkName != "Boss" {
		t.Errorf("report %+v", out)
	}
	checkNoSecrets(t, srv, mustJSON(t, out))

	// To a group by its topic, in text.
	code, stdout, stderr := onURL(t, url, "send", nil, sandbox.SeedRoomTopic, "Meet at 8")
	if code != ExitOK || !strings.Contains(stdout, `Sent to "Weekend Hikers" @@`) || !strings.Contains(stdout, "MsgID ") {
		t.Errorf("to a group: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if msgs := sentMsgs(t, srv); len(msgs) != 2 || msgs[1].Msg.ToUserName != srv.Rooms()[0].UserName {
		t.Errorf("to a group: requests %+v", msgs)
	}
}

func TestSendRefusals(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	for to, want := range map[string]string{
		"Tom":                `"Tom" is ambiguous`,
		"Nobody":             `no friend or group is called "Nobody"`,
		sandbox.SelfUserName: "yourself",
		"😁 😂 😃 😄 👿 😏":        "yourself",
	} {
		code, stdout, stderr := onURL(t, url, "send", nil, to, "hi")
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", to, code, stdout, stderr)
		}
	}
	if n := len(srv.Requests("webwxsendmsg")); n != 0 {
		t.Errorf("refused input still sent %d messages", n)
	}

	srv.SetFault(sandbox.Fault{Endpoint: "webwxsendmsg", Ret: 1205})
	code, out, stderr := runJSON[sendJSON](t, url, "send", nil, "Rain1ove", "hi")
	if code != ExitRateLimited || out.Ret == nil || *out.Ret != 1205 || out.MsgID != "" || !strings.Contains(stderr, "Ret 1205") {
		t.Errorf("rate limited: exit %d, stderr %q, %+v", code, stderr, out)
	}
}
