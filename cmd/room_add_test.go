package cmd

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
)

// updateRequest is a webwxupdatechatroom body as the sandbox received it.
// Pointers tell an absent field (the app leaves unused ones undefined, so
// JSON drops them) from an empty one.
type updateRequest struct {
	AddMemberList    *string
	DelMemberList    *string
	InviteMemberList *string
	NewTopic         *string
	ChatRoomName     string
	BaseRequest      struct{ Uin int64 }
}

// updates returns the webwxupdatechatroom requests the sandbox received,
// with their fun.
func updates(t *testing.T, srv *sandbox.Server) (funs []string, bodies []updateRequest) {
	t.Helper()
	for _, r := range srv.Requests("webwxupdatechatroom") {
		var u updateRequest
		if err := json.Unmarshal(r.Body, &u); err != nil {
			t.Fatal(err)
		}
		funs, bodies = append(funs, r.Query.Get("fun")), append(bodies, u)
	}
	return funs, bodies
}

func str(p *string) string {
	if p == nil {
		return "<absent>"
	}
	return *p
}

func hasMember(room sandbox.Contact, userName string) bool {
	for _, m := range room.MemberList {
		if m.UserName == userName {
			return true
		}
	}
	return false
}

func TestRoomAdd(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	room := srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
	code, out, stderr := runJSON[changeJSON](t, url, "room add", []string{"--member", "Dave", "--member", "Boss", "--member", `Quote "Q" \ </script>`}, "book club")
	if code != ExitOK || !out.OK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// The app's own call, as the real addMember sends it.
	funs, reqs := updates(t, srv)
	if len(reqs) != 1 || funs[0] != "addmember" || reqs[0].ChatRoomName != room ||
		str(reqs[0].AddMemberList) != sandbox.Dave+","+sandbox.ZhangWei+","+sandbox.Quote || reqs[0].InviteMemberList != nil ||
		reqs[0].DelMemberList != nil || reqs[0].NewTopic != nil || reqs[0].BaseRequest.Uin != srv.Session().Uin {
		t.Fatalf("requests %v %+v", funs, reqs)
	}
	// The state on the server, and the report.
	got, _ := srv.Room(room)
	if !hasMember(got, sandbox.Dave) || !hasMember(got, sandbox.ZhangWei) || !hasMember(got, sandbox.Quote) || got.MemberCount != 6 {
		t.Errorf("room on the server: %+v", got.MemberList)
	}
	u := out.Updates
	if len(u) != 1 || u[0].Fun != "addmember" || u[0].Ret == nil || *u[0].Ret != 0 || u[0].RetMeaning != "OK" ||
		strings.Join(u[0].Members, ",") != sandbox.Dave+","+sandbox.ZhangWei+","+sandbox.Quote {
		t.Errorf("updates %+v", u)
	}
	if out.Invited || out.Confirmed == nil || !*out.Confirmed || out.Room == nil || out.Room.MemberCount != 6 ||
		out.ChatRoomName != room || len(out.Members) != 3 || out.Members[1].NickName != "Zhang Wei" {
		t.Errorf("report %+v", out)
	}
	checkNoSecrets(t, srv, mustJSON(t, out))
}

func TestRoomAddRefusals(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	room := srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
	tests := []struct {
		name    string
		members []string
		stderr  []string
	}{
		{"already a member", []string{"Rain1ove", "Dave"}, []string{"Rain1ove", "is in the group already"}},
		{"yourself", []string{sandbox.SelfUserName}, []string{"you are in the group already"}},
		{"yourself by emoji name", []string{"😁 😂 😃 😄 👿 😏"}, []string{"you are in the group already"}},
		{"twice", []string{"Dave", sandbox.Dave}, []string{"Dave", "listed twice"}},
		{"ambiguous", []string{"Tom"}, []string{`"Tom" is ambiguous`, sandbox.Tom1[:5]}},
		{"unknown", []string{"Nobody"}, []string{`no friend is called "Nobody"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var flags []string
			for _, m := range tt.members {
				flags = append(flags, "--member", m)
			}
			code, stdout, stderr := onURL(t, url, "room add", flags, "Book Club")
			if code != ExitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
	if funs, _ := updates(t, srv); len(funs) != 0 {
		t.Errorf("refused input still sent %v", funs)
	}

	// Grace is no friend, but you share a group with her: the app sends her,
	// WeChat refuses (1204) and the group stays as it was.
	code, out, stderr := runJSON[changeJSON](t, url, "room add", []string{"--member", "Grace"}, "Book Club")
	if code != ExitRefused || !strings.Contains(stderr, "Ret 1204: not a friend") {
		t.Fatalf("Grace: exit %d, stderr %q", code, stderr)
	}
	if funs, reqs := updates(t, srv); len(reqs) != 1 || funs[0] != "addmember" || str(reqs[0].AddMemberList) != sandbox.Grace {
		t.Errorf("Grace: requests %v", funs)
	}
	if u := out.Updates; len(u) != 1 || u[0].Ret == nil || *u[0].Ret != 1204 || out.Confirmed == nil || *out.Confirmed ||
		out.Room == nil || out.Room.MemberCount != 3 {
		t.Errorf("Grace: report %+v", out)
	}
	if got, _ := srv.Room(room); hasMember(got, sandbox.Grace) {
		t.Error("Grace is in the group")
	}
}

func TestRoomAddInvitesPast40(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	friends := srv.AddFriends(39)
	room := srv.AddRoom("Big Group 🎉", friends[:37]...) // 38 with you
	code, stdout, stderr := onURL(t, url, "room add", []string{"-m", "Friend 38", "-m", "Friend 39"}, "Big Group 🎉")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	funs, reqs := updates(t, srv)
	if len(reqs) != 1 || funs[0] != "invitemember" || str(reqs[0].InviteMemberList) != friends[37]+","+friends[38] ||
		reqs[0].AddMemberList != nil {
		t.Fatalf("requests %v %+v", funs, reqs)
	}
	for _, want := range []string{"fun=invitemember [Friend 38, Friend 39] → Ret 0: OK", "an invitation is not a membership", "40 members"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if got, _ := srv.Room(room); got.MemberCount != 40 {
		t.Errorf("the sandbox's invitees accept at once: %d members", got.MemberCount)
	}
}

func TestRoomAddSlowAnswerIsUnknown(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	room := srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxupdatechatroom", Delay: 20 * time.Second})
	code, out, stderr := runJSON[changeJSON](t, url, "room add", []string{"--timeout", "3s", "-m", "Dave"}, "Book Club")
	if code != ExitUnknownOutcome || out.ExitCode != ExitUnknownOutcome || !strings.Contains(stderr, "may or may not") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// The report says what went out and shows the group as read back then.
	if u := out.Updates; len(u) != 1 || u[0].Fun != "addmember" || u[0].Answered || u[0].Ret != nil {
		t.Errorf("updates %+v", u)
	}
	if out.Room == nil || out.Room.ChatRoomName != room || out.Room.MemberCount != 3 || out.Confirmed == nil || *out.Confirmed {
		t.Errorf("read back then: %+v (%s)", out.Room, out.ReadBackError)
	}
}
