package cmd

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/seedcmp"
	"github.com/wxctl/wxctl/sandbox"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// createdJSON runs room create --json against srv and decodes its output.
func createJSON(t *testing.T, url string, args ...string) (int, roomJSON, string) {
	t.Helper()
	args = append(append([]string{"room", "create", "--json"}, onSandbox(url)...), args...)
	code, stdout, stderr := runCLI(t, args...)
	var out roomJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not the JSON object (%v):\n%s\nstderr: %s", err, stdout, stderr)
	}
	return code, out, stderr
}

func TestRoomCreateMatchesSeed(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	before := len(srv.Rooms())
	code, out, stderr := createJSON(t, url, "--member", "Rain1ove", "--member", "迴焘願點")
	if code != ExitOK || !out.OK || !out.Created || stderr != "" {
		t.Fatalf("exit %d, ok %v, stderr %q", code, out.OK, stderr)
	}

	// The request the app sent, as the sandbox received it, is the seed's
	// request field for field.
	reqs := srv.Requests("webwxcreatechatroom")
	if len(reqs) != 1 {
		t.Fatalf("the sandbox saw %d create requests, want 1", len(reqs))
	}
	rows, err := seedcmp.Compare(seedcmp.CreateRequest, reqs[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Verdict == seedcmp.VerdictMissing || r.Verdict == seedcmp.VerdictKind || r.Verdict == seedcmp.VerdictExtra {
			t.Errorf("create request field %s: %s", r.Path, r.Verdict)
		}
	}
	var req struct {
		MemberCount int
		MemberList  []struct{ UserName string }
		Topic       string
		BaseRequest struct {
			Uin      int64
			Sid      string
			Skey     string
			DeviceID string
		}
	}
	if err := json.Unmarshal(reqs[0].Body, &req); err != nil {
		t.Fatal(err)
	}
	sess := srv.Session()
	if req.MemberCount != 2 || len(req.MemberList) != 2 ||
		req.MemberList[0].UserName != sandbox.Rain1ove || req.MemberList[1].UserName != sandbox.HuiTao {
		t.Errorf("members sent = %+v", req)
	}
	if req.Topic != "" {
		t.Errorf("Topic = %q, want empty as the real create() sends", req.Topic)
	}
	if req.BaseRequest.Uin != sess.Uin || req.BaseRequest.Sid != sess.Sid || req.BaseRequest.Skey != sess.Skey {
		t.Error("BaseRequest does not carry the session")
	}
	if !regexp.MustCompile(`^e\d{15}$`).MatchString(req.BaseRequest.DeviceID) {
		t.Errorf("DeviceID %q is not 'e' + 15 digits", req.BaseRequest.DeviceID)
	}
	if q := reqs[0].Query; q.Get("r") == "" || q.Get("pass_ticket") != sess.PassTicket {
		t.Errorf("query %v lacks r or the app's pass_ticket", q)
	}

	// The printed result is what the sandbox made and answered.
	if n := len(srv.Rooms()); n != before+1 {
		t.Fatalf("the sandbox has %d rooms, want %d", n, before+1)
	}
	if _, ok := srv.Room(out.ChatRoomName); !ok {
		t.Fatalf("printed %q, which the sandbox does not have", out.ChatRoomName)
	}
	if out.Ret == nil || *out.Ret != 0 || out.Flagged {
		t.Errorf("ret %v flagged %v", out.Ret, out.Flagged)
	}
	if len(out.Members) != 3 {
		t.Errorf("members read back = %+v, want you and the two friends", out.Members)
	}
	rows, err = seedcmp.Compare(seedBatchGetEntry(t), out.Info)
	if err != nil {
		t.Fatal(err)
	}
	if bad := seedcmp.Mismatches(rows); len(bad) > 0 {
		t.Errorf("info differs from the seed's ContactList entry: %s", bad)
	}
	checkNoSecrets(t, srv, mustJSON(t, out))
	out.Calls = ownCalls(t, out.Calls, out.ChatRoomName)
	golden(t, "room_create.json", normalize(t, srv, mustJSON(t, out)))
}

// ownCalls keeps of calls what concerns room: the app reads the groups it
// has heard of in the background (and the new one with them), so that
// whether its batch gets of other groups fall within the command, alone or
// with the new group, is a matter of timing. Batch gets are cut down to the
// entries of room.
func ownCalls(t *testing.T, calls []callJSON, room string) []callJSON {
	t.Helper()
	only := func(list []json.RawMessage) []json.RawMessage {
		var out []json.RawMessage
		for _, e := range list {
			var who struct{ UserName string }
			if json.Unmarshal(e, &who) == nil && who.UserName == room {
				out = append(out, e)
			}
		}
		return out
	}
	var out []callJSON
	for _, c := range calls {
		if c.Endpoint != "webwxbatchgetcontact" {
			out = append(out, c)
			continue
		}
		var req, ans map[string]json.RawMessage
		var list, contacts []json.RawMessage
		if json.Unmarshal(c.Request, &req) != nil || json.Unmarshal(c.Response, &ans) != nil ||
			json.Unmarshal(req["List"], &list) != nil || json.Unmarshal(ans["ContactList"], &contacts) != nil {
			t.Fatalf("batch get without its JSON bodies: %+v", c)
		}
		if list = only(list); len(list) == 0 {
			continue
		}
		contacts = only(contacts)
		req["List"], req["Count"] = mustJSON(t, list), mustJSON(t, len(list))
		ans["ContactList"], ans["Count"] = mustJSON(t, contacts), mustJSON(t, len(contacts))
		c.Request, c.Response = mustJSON(t, req), mustJSON(t, ans)
		out = append(out, c)
	}
	return out
}

func seedBatchGetEntry(t *testing.T) []byte {
	var seed struct{ ContactList []json.RawMessage }
	if err := json.Unmarshal(seedcmp.BatchGetResponse, &seed); err != nil {
		t.Fatal(err)
	}
	return seed.ContactList[0]
}

func TestRoomCreateFaults(t *testing.T) {
	needBrowser(t)
	tests := []struct {
		name     string
		fault    sandbox.Fault
		args     []string
		code     int
		stderr   string
		created  bool
		wantRoom bool
	}{
		{"too frequent", sandbox.Fault{Ret: 1, ErrMsg: "操作太频繁，请稍后再试"}, nil, ExitRateLimited, "Ret 1", false, false},
		{"frequency block", sandbox.Fault{Ret: 1205}, nil, ExitRateLimited, "Ret 1205", false, false},
		{"flagged -2013", sandbox.Fault{Ret: -2013}, nil, ExitOK, "", true, true},
		{"Ret 0 without ChatRoomName", sandbox.Fault{EmptyChatRoomName: true}, nil, ExitRefused, "no ChatRoomName", false, false},
		{"HTTP 500", sandbox.Fault{Status: 500}, nil, ExitRefused, "HTTP 500", false, false},
		{"slow answer", sandbox.Fault{Delay: 20 * time.Second}, []string{"--timeout", "3s"}, ExitUnknownOutcome, "may or may not", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, url := startSandbox(t)
			tt.fault.Endpoint = "webwxcreatechatroom"
			srv.SetFault(tt.fault)
			args := append([]string{"--member", "Rain1ove", "--member", "迴焘願點"}, tt.args...)
			code, out, stderr := createJSON(t, url, args...)
			if code != tt.code || out.ExitCode != tt.code {
				t.Fatalf("exit %d (json %d), want %d; stderr %q", code, out.ExitCode, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) || strings.Count(stderr, "\n") > 1 {
				t.Errorf("stderr %q: want one line containing %q", stderr, tt.stderr)
			}
			if out.Created != tt.created {
				t.Errorf("created = %v, want %v", out.Created, tt.created)
			}
			if tt.code == ExitOK && !out.Flagged {
				t.Error("a -2013 answer is not flagged")
			}
			checkNoSecrets(t, srv, []byte(stderr))
		})
	}
}

func TestRoomCreateRefusesBadMembers(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	tests := []struct {
		name    string
		members []string
		stderr  []string
	}{
		{"ambiguous", []string{"Tom", "Rain1ove"}, []string{`"Tom" is ambiguous`, "@"}},
		{"unknown", []string{"Nobody", "Rain1ove"}, []string{`no friend is called "Nobody"`}},
		{"yourself", []string{sandbox.SelfUserName, "Rain1ove", "迴焘願點"}, []string{"yourself"}},
		{"twice", []string{"Rain1ove", "Rain1ove"}, []string{"listed twice"}},
		{"stale UserName", []string{"@0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "Rain1ove"}, []string{"UserNames change"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"room", "create"}, onSandbox(url)...)
			for _, m := range tt.members {
				args = append(args, "--member", m)
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != ExitUsage || stdout != "" {
				t.Fatalf("exit %d stdout %q, want 2 and nothing", code, stdout)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q lacks %q", stderr, want)
				}
			}
		})
	}
	if n := len(srv.Requests("webwxcreatechatroom")); n != 0 {
		t.Errorf("refused input still sent %d create requests", n)
	}
}

func TestRoomCreateHostileNameStaysData(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	code, out, stderr := createJSON(t, url, "--member", `Quote "Q" \ </script>`, "--member", "Rain1ove",
		"--topic", `"); alert(1);// </script> 🎉`)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	room, ok := srv.Room(out.ChatRoomName)
	if !ok || browser.PlainName(room.NickName) != `"); alert(1);// </script> 🎉` {
		t.Errorf("topic in the sandbox = %q", room.NickName)
	}
	if out.Topic != `"); alert(1);// </script> 🎉` {
		t.Errorf("topic read back = %q", out.Topic)
	}
	mods := srv.Requests("webwxupdatechatroom")
	if len(mods) != 1 || mods[0].Query.Get("fun") != "modtopic" {
		t.Fatalf("update requests = %+v, want one fun=modtopic", mods)
	}
}

func TestRoomCreateUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"room", "create", "--member", "A"}, "at least 2 members"},
		{[]string{"room", "create", "--bogus"}, "wxctl room create has no flag --bogus (see wxctl room create --help)"},
		{[]string{"room", "create", "x", "--member", "A", "--member", "B"}, "takes no arguments"},
		{[]string{"room", "create", "--member", "A", "--member", "B", "--remote", "ws://x", "--show"}, "do not go together"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", tt.args, code, stderr, stdout)
		}
	}
}

func TestRoomCreateNotLoggedIn(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t, sandbox.WithLoggedIn(false))
	code, _, stderr := runCLI(t, append([]string{"room", "create", "--member", "A", "--member", "B"}, onSandbox(url)...)...)
	if code != ExitNotLoggedIn || !strings.Contains(stderr, "wxctl login") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestRoomCreateCapture(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	file := filepath.Join(t.TempDir(), "calls.json")
	code, _, stderr := runCLI(t, append([]string{"room", "create", "--member", "Rain1ove", "--member", "Bob", "--capture", file}, onSandbox(url)...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var calls []callJSON
	if err := json.Unmarshal(b, &calls); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range calls {
		seen[c.Endpoint] = true
	}
	for _, e := range []string{"webwxinit", "webwxgetcontact", "webwxcreatechatroom", "webwxbatchgetcontact"} {
		if !seen[e] {
			t.Errorf("capture lacks %s", e)
		}
	}
	checkNoSecrets(t, srv, b)
}

// checkNoSecrets fails when b holds any secret of the sandbox's session.
func checkNoSecrets(t *testing.T, srv *sandbox.Server, b []byte) {
	t.Helper()
	s := srv.Session()
	for name, v := range map[string]string{
		"Uin": strconv.FormatInt(s.Uin, 10), "Sid": s.Sid, "Skey": s.Skey,
		"pass_ticket": s.PassTicket, "webwx_data_ticket": s.DataTicket,
	} {
		if v != "" && strings.Contains(string(b), v) {
			t.Errorf("output holds the session's %s", name)
		}
	}
	if regexp.MustCompile(`"DeviceID":\s*"e\d{15}"`).Match(b) {
		t.Error("output holds a DeviceID")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := marshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// normalize replaces what changes from run to run (room names, durations,
// request times) so that output can be compared with a golden file.
func normalize(t *testing.T, srv *sandbox.Server, b []byte) []byte {
	t.Helper()
	for _, r := range srv.Rooms() {
		b = []byte(strings.ReplaceAll(string(b), strings.TrimPrefix(r.UserName, "@@"), "ROOM"))
		if r.EncryChatRoomID != "" {
			b = []byte(strings.ReplaceAll(string(b), r.EncryChatRoomID, "@ENCRYCHATROOMID"))
		}
	}
	for _, re := range []struct{ pattern, repl string }{
		{`"durationMs": [0-9.e+-]+`, `"durationMs": 0`},
		{`([?&]r=)-?\d+`, `${1}0`},
		{`seq=\d+`, `seq=0`},
		{`127\.0\.0\.\d+:\d+`, `127.0.0.1:PORT`},
	} {
		b = regexp.MustCompile(re.pattern).ReplaceAll(b, []byte(re.repl))
	}
	return b
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd -run %s -update to create it)", err, t.Name())
	}
	if string(want) != string(got) {
		t.Errorf("output differs from %s (go test ./cmd -update rewrites it):\n--- got\n%s", path, got)
	}
}

func TestRoomCreateWithGreeting(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	code, out, stderr := createJSON(t, url, "--member", "Rain1ove", "--member", "Bob", "--message", "Hi 👋 </script>")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if out.Greeting == nil || out.Greeting.MsgID == "" {
		t.Fatalf("greeting = %+v, want a MsgID", out.Greeting)
	}
	sends := srv.Requests("webwxsendmsg")
	if len(sends) != 1 {
		t.Fatalf("%d webwxsendmsg requests, want 1", len(sends))
	}
	var req struct {
		Msg struct {
			Type                int
			Content, ToUserName string
		}
	}
	if err := json.Unmarshal(sends[0].Body, &req); err != nil {
		t.Fatal(err)
	}
	if req.Msg.ToUserName != out.ChatRoomName || req.Msg.Content != "Hi 👋 </script>" || req.Msg.Type != 1 {
		t.Errorf("message sent = %+v", req.Msg)
	}
}
