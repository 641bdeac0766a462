package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/sandbox"
)

// onURL runs wxctl's command (such as "room add") against the sandbox at
// url, with flags before args, where urfave/cli wants them.
func onURL(t *testing.T, url, command string, flags []string, args ...string) (int, string, string) {
	t.Helper()
	argv := append(strings.Fields(command), onSandbox(url)...)
	argv = append(append(argv, flags...), args...)
	return runCLI(t, argv...)
}

// runJSON runs command --json with args against the sandbox at url and
// decodes its output into T.
func runJSON[T any](t *testing.T, url, command string, flags []string, args ...string) (int, T, string) {
	t.Helper()
	code, stdout, stderr := onURL(t, url, command, append([]string{"--json"}, flags...), args...)
	var out T
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not the JSON object (%v):\n%s\nstderr: %s", err, stdout, stderr)
	}
	return code, out, stderr
}

// member returns the member with userName of a group as printed.
func member(g *groupJSON, userName string) (memberJSON, bool) {
	if g == nil {
		return memberJSON{}, false
	}
	for _, m := range g.Members {
		if m.UserName == userName {
			return m, true
		}
	}
	return memberJSON{}, false
}

func TestRoomInfo(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	seed := srv.Rooms()[0]
	for _, name := range []string{sandbox.SeedRoomTopic, "weekend  HIKERS", seed.UserName} {
		code, out, stderr := runJSON[roomInfoJSON](t, url, "room info", nil, name)
		if code != ExitOK || !out.OK || stderr != "" {
			t.Fatalf("%q: exit %d, stderr %q", name, code, stderr)
		}
		r := out.Room
		if r.ChatRoomName != seed.UserName || r.Topic != sandbox.SeedRoomTopic || r.IsOwner || !r.InGroup || r.MemberCount != 4 {
			t.Errorf("%q: room %+v", name, r)
		}
		if me, ok := member(r, sandbox.SelfUserName); !ok || me.NickName != "😁 😂 😃 😄 👿 😏" {
			t.Errorf("%q: you as a member: %+v", name, me)
		}
		if _, ok := member(r, sandbox.Grace); !ok {
			t.Errorf("%q: Grace is missing", name)
		}
		// The read-back is the app's own batch get of the group.
		if len(out.Calls) == 0 || out.Calls[0].Endpoint != "webwxbatchgetcontact" || !strings.Contains(string(out.Calls[0].Request), seed.UserName) {
			t.Errorf("%q: calls %+v", name, out.Calls)
		}
		checkNoSecrets(t, srv, mustJSON(t, out))
	}

	code, stdout, stderr := onURL(t, url, "room info", nil, sandbox.SeedRoomTopic)
	for _, want := range []string{`Group "Weekend Hikers"`, "4 members · you do not own it", "Grace", "(you)"} {
		if code != ExitOK || !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q (exit %d):\n%s%s", want, code, stdout, stderr)
		}
	}
}

func TestRoomInfoRefusesUnknownAndAmbiguousGroups(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	a := srv.AddRoom("Book Club", sandbox.Dave, sandbox.Eve)
	b := srv.AddRoom("Book Club", sandbox.Frank, sandbox.Eve)
	for name, want := range map[string][]string{
		"Book Club":      {`"Book Club" is ambiguous`, a, b},
		"Chess Club":     {`no group is called "Chess Club"`, "Weekend Hikers", a},
		"@@0123456789ab": {`no group is called "@@0123456789ab"`},
	} {
		code, stdout, stderr := onURL(t, url, "room info", nil, name)
		if code != ExitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
		for _, w := range want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%q: stderr %q lacks %q", name, stderr, w)
			}
		}
	}
	// A refusal with --json is still the JSON object.
	code, out, _ := runJSON[roomInfoJSON](t, url, "room info", nil, "Book Club")
	if code != ExitUsage || out.OK || out.ExitCode != ExitUsage || out.Room != nil || !strings.Contains(out.Error, "ambiguous") {
		t.Errorf("json refusal: exit %d %+v", code, out)
	}
}

func TestRoomCommandsUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"room", "info"}, "takes GROUP"},
		{[]string{"room", "info", "a", "b"}, "takes GROUP"},
		{[]string{"room", "quit", "--", "g", "--json"}, "takes GROUP, got 2 argument(s)"},
		{[]string{"room", "add", "g"}, "--member"},
		{[]string{"room", "remove", "g"}, "--member"},
		{[]string{"room", "topic", "g"}, `takes GROUP "NEW TOPIC"`},
		{[]string{"room", "quit"}, "takes GROUP"},
		{[]string{"send", "Bob"}, "takes TO TEXT"},
		{[]string{"send", "Bob", "  "}, "empty"},
		{[]string{"contacts", "--groups", "--friends"}, "do not go together"},
		{[]string{"contacts", "x"}, "takes no arguments"},
	} {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tt.args, code, stdout, stderr)
		}
	}
}
