package cmd

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/cmd/internal/smoke"
	"github.com/wxctl/wxctl/sandbox"
)

func TestCall(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t)
	two := `[{"UserName":{"member":"Rain1ove"}},{"UserName":{"member":"迴焘願點"}}]`
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		resolved bool
		want     string // in the printed value; "" when nothing is printed
		stderr   string
	}{
		{"returns", []string{"accountFactory", "getUserInfo"}, ExitOK, true, sandbox.SelfUserName, ""},
		{"resolves", []string{"chatroomFactory", "create", two}, ExitOK, true, `"ChatRoomName":"@@`, ""},
		{"rejects", []string{"chatroomFactory", "create", `[{"UserName":{"member":"Rain1ove"}}]`}, ExitRefused, false, `"BaseResponse":{"Ret":-1`, "the promise rejected"},
		{"member by name", []string{"contactFactory", "getContact", `{"member":"Rain1ove"}`}, ExitOK, true, `"UserName":"` + sandbox.Rain1ove + `"`, ""},
		{"unknown service", []string{"chatRoomFactory", "create"}, ExitBrowser, false, "", `no service "chatRoomFactory"`},
		{"unknown method", []string{"chatroomFactory", "createRoom"}, ExitBrowser, false, "", `no method "createRoom"`},
		{"unknown friend", []string{"contactFactory", "getContact", `{"member":"Nobody At All"}`}, ExitUsage, false, "", "Nobody At All"},
		{"throws", []string{"chatroomFactory", "addMember", `"@@nosuchroom"`, `"@x"`}, ExitUnexpected, false, "", "chatroomFactory.addMember threw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"call"}, onSandbox(url)...), tc.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if tc.want == "" {
				if stdout != "" {
					t.Errorf("stdout %q, want nothing", stdout)
				}
				return
			}
			out := settledOutput(t, stdout)
			if out.Resolved != tc.resolved || !strings.Contains(compactJSON(out.Value), tc.want) {
				t.Errorf("printed %s, want resolved %v and %s", stdout, tc.resolved, tc.want)
			}
		})
	}
}

// TestCallUsage: bad arguments are refused before any browser starts.
func TestCallUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"call", "accountFactory"}, "a service and a method"},
		{[]string{"call", "contactFactory", "getContact", "{bad"}, "argument 1 ({bad) is not JSON"},
		{[]string{"call", "contactFactory", "getContact", `"a" "b"`}, "more than one JSON value"},
		{[]string{"call", "contactFactory", "getContact", "Rain1ove"}, "quote strings"},
	} {
		code, stdout, stderr := runCLI(t, append(tc.args[:1:1], append([]string{"--remote", "ws://127.0.0.1:1/never-used"}, tc.args[1:]...)...)...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestParseJSONArgs(t *testing.T) {
	args, err := parseJSONArgs([]string{`[{"UserName":{"member":"Bob"}}]`, `12345678901234567890`, `{"member":"Eve","x":1}`})
	if err != nil {
		t.Fatal(err)
	}
	if got := args[0].([]any)[0].(map[string]any)["UserName"]; got != (smoke.MemberRef{Name: "Bob"}) {
		t.Errorf("member ref %#v", got)
	}
	if got := compactJSON(args[1]); got != "12345678901234567890" {
		t.Errorf("big number %s, want it unchanged", got)
	}
	if _, isRef := args[2].(smoke.MemberRef); isRef {
		t.Error(`{"member": …, "x": 1} is data, not a reference`)
	}
}

// compactJSON is v as one line of JSON, for comparisons.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
