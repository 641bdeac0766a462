package cmd

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

var sendCommand = &cli.Command{
	Name:      "send",
	Usage:     "send a text message to a friend or group the way the page's chat box does",
	ArgsUsage: "TO TEXT",
	Description: `TO is a friend (NickName, RemarkName, Alias or UserName @…) or one of your
groups (topic or UserName @@…); an ambiguous or unknown name is refused with the
candidates, and so is yourself. TEXT is sent as typed, new lines included.

The message goes through the app's own chatFactory (createMessage,
appendMessage, sendMessage), which posts webwxsendmsg. sendMessage returns
nothing, so wxctl reads WeChat's answer to that request: sent means Ret 0 with a
MsgID, which it prints.

Example:
   wxctl send Boss "On my way"
   wxctl send --json "Weekend Hikers" "Meet at 8 🥾"

Flags may stand anywhere; -- ends them.`,
	Flags:  appFlags(),
	Action: runSend,
}

func runSend(c *cli.Context) error {
	if err := wantArgs(c, "TO", "TEXT"); err != nil {
		return err
	}
	to, text := c.Args().Get(0), c.Args().Get(1)
	if strings.TrimSpace(text) == "" {
		return usagef("the message is empty")
	}
	s, err := openSession(c, c.Bool(sandboxFlag.Name))
	if err != nil {
		return nothingSent(err)
	}
	defer s.Close()
	var chat browser.Contact
	var res *browser.SendResult
	book, err := browser.LoadContacts(s.Context(), s.Page)
	if err == nil {
		chat, err = book.ResolveChat(to)
	}
	err = nothingSent(err)
	if err == nil {
		s.BeginOperation()
		res, err = browser.SendText(s.Context(), s.Page, chat.UserName, text)
	}
	if c.Bool(jsonFlag.Name) {
		return writeOutput(c, newSendJSON(chat, res, s.OpCalls(), err), err)
	}
	if err == nil {
		fmt.Fprintf(c.App.Writer, "Sent to %s %s · webwxsendmsg Ret 0 · MsgID %s\n", chatLabel(chat), chat.UserName, res.MsgID)
	}
	return err
}

// chatLabel is how a person knows a friend or group, quoted.
func chatLabel(c browser.Contact) string {
	if c.IsRoom() && browser.PlainName(c.NickName) == "" {
		return "(group without topic)"
	}
	return fmt.Sprintf("%q", c.Label())
}

// sendJSON is the --json output of send.
type sendJSON struct {
	OK bool `json:"ok"`
	// To is whom the message was for; null when TO was not resolved.
	To *contactJSON `json:"to"`
	// Content is the text as the app sent it.
	Content    string     `json:"content"`
	LocalID    string     `json:"localId"`
	MsgID      string     `json:"msgId"`
	Ret        *int       `json:"ret"`
	RetMeaning string     `json:"retMeaning,omitempty"`
	ErrMsg     string     `json:"errMsg"`
	Calls      []callJSON `json:"calls"`
	Error      string     `json:"error,omitempty"`
	ExitCode   int        `json:"exitCode"`
}

func newSendJSON(chat browser.Contact, res *browser.SendResult, calls []browser.NetCall, err error) sendJSON {
	out := sendJSON{OK: err == nil, Calls: callsJSON(calls), Error: errText(err), ExitCode: ExitCode(err)}
	if chat.UserName != "" {
		to := newContactJSON(chat)
		out.To = &to
	}
	if res != nil {
		out.Content, out.LocalID, out.MsgID, out.ErrMsg = res.Content, res.LocalID, res.MsgID, res.ErrMsg
		if res.Answered {
			ret := res.Ret
			out.Ret, out.RetMeaning = &ret, browser.RetMeaning(ret)
		}
	}
	return out
}
