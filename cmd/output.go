package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/table"
)

// callJSON is one recorded API call of the app, as printed and captured.
type callJSON struct {
	Endpoint   string          `json:"endpoint"`
	Method     string          `json:"method"`
	URL        string          `json:"url"`
	Status     int             `json:"status"`
	Request    json.RawMessage `json:"request,omitempty"`
	Response   json.RawMessage `json:"response,omitempty"`
	Error      string          `json:"error,omitempty"`
	DurationMs float64         `json:"durationMs"`
	// BodiesDropped marks an old call of a long run whose bodies the
	// recorder let go to bound its memory.
	BodiesDropped bool `json:"bodiesDropped,omitempty"`
}

func newCallJSON(c browser.NetCall) callJSON {
	return callJSON{
		Endpoint:      c.Endpoint,
		Method:        c.Method,
		URL:           c.URL,
		Status:        c.Status,
		Request:       jsonValue(c.RequestBody),
		Response:      jsonValue(c.ResponseBody),
		Error:         c.Err,
		DurationMs:    float64(c.Duration.Microseconds()) / 1000,
		BodiesDropped: c.BodiesDropped,
	}
}

// jsonValue keeps a body that is JSON as it is and turns any other body
// (a script answer such as window.synccheck=…, an error page) into a string.
func jsonValue(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

// memberJSON is a group member in --json output; names are plain text.
type memberJSON struct {
	UserName    string `json:"userName"`
	NickName    string `json:"nickName"`
	DisplayName string `json:"displayName,omitempty"`
}

// roomJSON is the --json output of room create and demo. Its fields are a
// stable interface: README.md documents them.
type roomJSON struct {
	OK           bool            `json:"ok"`
	Ret          *int            `json:"ret"`
	ErrMsg       string          `json:"errMsg"`
	Flagged      bool            `json:"flagged"`
	Created      bool            `json:"created"`
	ChatRoomName string          `json:"chatRoomName"`
	Topic        string          `json:"topic"`
	Members      []memberJSON    `json:"members"`
	Info         json.RawMessage `json:"info"`
	Calls        []callJSON      `json:"calls"`
	Greeting     *greetingJSON   `json:"greeting,omitempty"`
	Error        string          `json:"error,omitempty"`
	ExitCode     int             `json:"exitCode"`
}

// greetingJSON is the first message of room create --message.
type greetingJSON struct {
	LocalID string `json:"localId"`
	MsgID   string `json:"msgId"`
	Ret     int    `json:"ret"`
}

func newRoomJSON(res *browser.RoomResult, calls []browser.NetCall, err error) roomJSON {
	out := roomJSON{OK: err == nil, Members: []memberJSON{}, Calls: []callJSON{}, ExitCode: ExitCode(err)}
	if err != nil {
		out.Error = err.Error()
	}
	if res != nil {
		ret := res.Ret
		out.Ret, out.ErrMsg, out.Flagged, out.Created = &ret, res.ErrMsg, res.Flagged, res.Created
		out.ChatRoomName, out.Topic, out.Info = res.ChatRoomName, browser.PlainName(res.Topic), res.Info
		for _, m := range roomMembers(res) {
			out.Members = append(out.Members, memberJSON{
				UserName: m.UserName, NickName: browser.PlainName(m.NickName), DisplayName: browser.PlainName(m.DisplayName),
			})
		}
	}
	for _, c := range calls {
		out.Calls = append(out.Calls, newCallJSON(c))
	}
	return out
}

// roomMembers is everyone in the group as read back, or the invited members
// when the read-back did not happen.
func roomMembers(res *browser.RoomResult) []browser.Member {
	if res.Room != nil && len(res.Room.MemberList) > 0 {
		return res.Room.MemberList
	}
	return res.Invited
}

// writeResult prints the one JSON object of a command run with --json:
// the envelope {ok, exitCode, error?} that every command and every failure
// shares, followed by v's own fields (v may be nil). The envelope is decided
// by err alone; v's own "error", when it has one, is kept as the message.
func writeResult(w io.Writer, v any, err error) error {
	fields, ferr := objectFields(v)
	if ferr != nil {
		return ferr
	}
	msg := ""
	if err != nil {
		msg = err.Error()
		if m, ok := fields.get("error"); ok {
			var s string
			if json.Unmarshal(m, &s) == nil && s != "" {
				msg = s
			}
		}
	}
	env := orderedObject{}
	env.set("ok", err == nil)
	env.set("exitCode", ExitCode(err))
	if msg != "" {
		env.set("error", msg)
	}
	for _, f := range fields {
		if f.key != "ok" && f.key != "exitCode" && f.key != "error" {
			env = append(env, f)
		}
	}
	return writeJSON(w, env)
}

// orderedObject is a JSON object whose keys keep their order.
type orderedObject []objectField

type objectField struct {
	key   string
	value json.RawMessage
}

func (o *orderedObject) set(key string, v any) {
	b, _ := json.Marshal(v)
	*o = append(*o, objectField{key, b})
}

func (o orderedObject) get(key string) (json.RawMessage, bool) {
	for _, f := range o {
		if f.key == key {
			return f.value, true
		}
	}
	return nil, false
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(f.value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// objectFields is v encoded as a JSON object, its keys in order.
func objectFields(v any) (orderedObject, error) {
	if v == nil {
		return nil, nil
	}
	b, err := marshalJSON(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("output %T is not a JSON object", v)
	}
	var out orderedObject
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, objectField{t.(string), raw})
	}
	return out, nil
}

// writeJSON prints v indented, with every secret redacted.
func writeJSON(w io.Writer, v any) error {
	b, err := marshalJSON(v)
	if err != nil {
		return err
	}
	_, err = w.Write(browser.Redact(b))
	return err
}

// marshalJSON encodes v indented, leaving <, > and & as they are: names
// carry WeChat's emoji markup, which people read.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// printRoom prints a created group for people.
func printRoom(w io.Writer, res *browser.RoomResult, self string) {
	topic := browser.PlainName(res.Topic)
	if topic == "" {
		topic = "(no topic)"
	}
	fmt.Fprintf(w, "Created group %s  %s\n", res.ChatRoomName, topic)
	status := fmt.Sprintf("Ret %d", res.Ret)
	if res.Flagged {
		status += " (-2013: the app counts it as success)"
	}
	members := roomMembers(res)
	fmt.Fprintf(w, "%s · %d members", status, len(members))
	if res.Room != nil {
		fmt.Fprintf(w, " · read back through webwxbatchgetcontact")
		if res.Room.IsOwner == 1 {
			fmt.Fprintf(w, " · you own it")
		}
	}
	fmt.Fprintln(w)
	t := table.Table{Indent: "  "}
	for _, m := range members {
		note := ""
		if m.UserName == self {
			note = "(you)"
		}
		t.Row(displayName(m), m.UserName, note)
	}
	t.Write(w)
}

func displayName(m browser.Member) string {
	name := browser.PlainName(m.NickName)
	if d := browser.PlainName(m.DisplayName); d != "" && d != name {
		name += " [" + d + "]"
	}
	if strings.TrimSpace(name) == "" {
		return "(no name)"
	}
	return name
}

// callsJSON is the calls as --json lists them.
func callsJSON(calls []browser.NetCall) []callJSON {
	out := []callJSON{}
	for _, c := range calls {
		out = append(out, newCallJSON(c))
	}
	return out
}

// errText is the error's text, "" for none.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// writeOutput prints the --json object and passes err on for the exit
// code; a failure to write matters only when the command succeeded.
func writeOutput(c *cli.Context, v any, err error) error {
	if werr := writeResult(c.App.Writer, v, err); werr != nil && err == nil {
		return werr
	}
	return err
}
