package cmd

import (
	"strings"
	"testing"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/sandbox"
)

func TestRoomTopic(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	room := srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
	const topic = `"Q" </script> 🎉 & co`
	code, out, stderr := runJSON[changeJSON](t, url, "room topic", nil, "Book Club", topic)
	if code != ExitOK || !out.OK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	funs, reqs := updates(t, srv)
	if len(reqs) != 1 || funs[0] != "modtopic" || str(reqs[0].NewTopic) != topic || reqs[0].ChatRoomName != room ||
		reqs[0].AddMemberList != nil || reqs[0].DelMemberList != nil {
		t.Fatalf("requests %v %+v", funs, reqs)
	}
	if got, _ := srv.Room(room); browser.PlainName(got.NickName) != topic {
		t.Errorf("topic on the server %q", got.NickName)
	}
	if out.NewTopic == nil || *out.NewTopic != topic || out.Room.Topic != topic || out.Confirmed == nil || !*out.Confirmed {
		t.Errorf("report %+v", out)
	}

	// The group is now found by its new name, emoji and all.
	code, info, stderr := runJSON[roomInfoJSON](t, url, "room info", nil, topic)
	if code != ExitOK || info.Room.ChatRoomName != room {
		t.Errorf("room info by the new topic: exit %d, %s", code, stderr)
	}

	// WeChat limits the length (the sandbox answers Ret -2 past 32).
	code, out, stderr = runJSON[changeJSON](t, url, "room topic", nil, room, strings.Repeat("长", 33))
	if code != ExitRefused || !strings.Contains(stderr, "Ret -2: logic error") || out.Room.Topic != topic {
		t.Errorf("long topic: exit %d, stderr %q, topic read back %q", code, stderr, out.Room.Topic)
	}
}
