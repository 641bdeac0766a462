package cmd

import (
	"strings"
	"testing"

	"github.com/wxctl/wxctl/sandbox"
)

func TestRoomQuit(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	room := srv.AddRoom("Old Project", sandbox.Rain1ove, sandbox.HuiTao)
	code, out, stderr := runJSON[changeJSON](t, url, "room quit", nil, "Old Project")
	if code != ExitOK || !out.OK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	funs, reqs := updates(t, srv)
	if len(reqs) != 1 || funs[0] != "quitchatroom" || reqs[0].ChatRoomName != room ||
		reqs[0].AddMemberList != nil || reqs[0].DelMemberList != nil || reqs[0].NewTopic != nil {
		t.Fatalf("requests %v %+v", funs, reqs)
	}
	got, _ := srv.Room(room)
	if hasMember(got, sandbox.SelfUserName) || got.IsOwner != 0 {
		t.Errorf("you are still in the group on the server: %+v", got.MemberList)
	}
	if out.Room == nil || out.Room.InGroup || out.Room.IsOwner || out.Confirmed == nil || !*out.Confirmed {
		t.Errorf("report %+v (%s)", out.Room, out.ReadBackError)
	}

	// Rate limited: exit 5, and the group as it still is.
	srv.SetFault(sandbox.Fault{Endpoint: "webwxupdatechatroom", Ret: 1, ErrMsg: "操作太频繁，请稍后再试"})
	code, stdout, stderr := onURL(t, url, "room quit", nil, sandbox.SeedRoomTopic)
	if code != ExitRateLimited || !strings.Contains(stderr, "Ret 1") || !strings.Contains(stdout, "(you)") {
		t.Errorf("rate limited: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}
