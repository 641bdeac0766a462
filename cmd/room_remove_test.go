package cmd

import (
	"strings"
	"testing"

	"github.com/wxctl/wxctl/sandbox"
)

func TestRoomRemove(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	room := srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao, sandbox.Dave, sandbox.Eve)
	code, out, stderr := runJSON[changeJSON](t, url, "room remove", []string{"--member", "Rain1ove", "--member", "Dave"}, "Book Club")
	if code != ExitOK || !out.OK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// delMember takes one UserName: one call per member.
	funs, reqs := updates(t, srv)
	if len(reqs) != 2 || funs[0] != "delmember" || funs[1] != "delmember" ||
		str(reqs[0].DelMemberList) != sandbox.Rain1ove || str(reqs[1].DelMemberList) != sandbox.Dave ||
		reqs[0].ChatRoomName != room || reqs[0].AddMemberList != nil || reqs[0].NewTopic != nil {
		t.Fatalf("requests %v %+v", funs, reqs)
	}
	got, _ := srv.Room(room)
	if hasMember(got, sandbox.Rain1ove) || hasMember(got, sandbox.Dave) || got.MemberCount != 3 {
		t.Errorf("room on the server: %+v", got.MemberList)
	}
	if len(out.Updates) != 2 || out.Confirmed == nil || !*out.Confirmed || out.Room.MemberCount != 3 {
		t.Errorf("report %+v", out)
	}
}

func TestRoomRemoveRefusals(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
	for name, tt := range map[string]struct {
		members []string
		want    string
	}{
		"not a member": {[]string{"Dave"}, `no member of "Book Club" is called "Dave"`},
		"yourself":     {[]string{sandbox.SelfUserName}, "you cannot remove yourself: leave the group with wxctl room quit"},
		"twice":        {[]string{"Rain1ove", sandbox.Rain1ove}, "listed twice"},
	} {
		var flags []string
		for _, m := range tt.members {
			flags = append(flags, "--member", m)
		}
		code, stdout, stderr := onURL(t, url, "room remove", flags, "Book Club")
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
	}
	if funs, _ := updates(t, srv); len(funs) != 0 {
		t.Errorf("refused input still sent %v", funs)
	}
}

func TestRoomRemoveNotOwner(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	seed := srv.Rooms()[0] // owned by Bob
	code, stdout, stderr := onURL(t, url, "room remove", []string{"--member", "Carol"}, sandbox.SeedRoomTopic)
	if code != ExitRefused || !strings.Contains(stderr, "Ret -66: only the group owner may do this") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if funs, reqs := updates(t, srv); len(reqs) != 1 || funs[0] != "delmember" || str(reqs[0].DelMemberList) != sandbox.Carol {
		t.Errorf("requests %v", funs)
	}
	// The report still shows the answer and the group as read back.
	for _, want := range []string{"fun=delmember [Carol] → Ret -66", "does not show the change", "4 members · you do not own it"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if got, _ := srv.Room(seed.UserName); !hasMember(got, sandbox.Carol) {
		t.Error("Carol was removed")
	}
}
