package browser

import (
	"context"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
	"github.com/wxctl/wxctl/scripts"
)

// findEnv is the sandbox app open in a tab, its contacts loaded.
type findEnv struct {
	srv  *sandbox.Server
	p    *Page
	book *AddressBook
	ctx  context.Context
}

func newFindEnv(t *testing.T) *findEnv {
	t.Helper()
	b := sharedBrowser(t)
	srv, url := newSandbox(t)
	p := openApp(t, b, url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	book, err := LoadContacts(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return &findEnv{srv: srv, p: p, book: book, ctx: ctx}
}

// friends resolves names among the friends, or fails the test.
func (e *findEnv) friends(t *testing.T, names ...string) ([]Contact, []string) {
	t.Helper()
	members, err := e.book.ResolveFriends(names)
	if err != nil {
		t.Fatal(err)
	}
	userNames := make([]string, len(members))
	for i, m := range members {
		userNames[i] = m.UserName
	}
	return members, userNames
}

func (e *findEnv) query(topic string, userNames []string) RoomQuery {
	return RoomQuery{Topic: topic, Self: e.book.Self.UserName, Members: userNames}
}

// synced waits until the app holds room, which reaches it through
// webwxsync a moment after it was made.
func (e *findEnv) synced(t *testing.T, room string) {
	t.Helper()
	for {
		groups, err := appGroups(e.ctx, e.p)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			if g.UserName == room && len(g.MemberList) > 0 {
				return
			}
		}
		mark := e.p.LastSeq()
		if _, err := e.p.WaitCall(e.ctx, func(c NetCall) bool { return c.Seq > mark && c.Endpoint == "webwxsync" }); err != nil {
			t.Fatalf("the app never learnt of %s: %v", room, err)
		}
	}
}

func TestFindRoom(t *testing.T) {
	e := newFindEnv(t)
	members, names := e.friends(t, "Rain1ove", "Bob")
	titled, err := CreateRoom(e.ctx, e.p, members, "Hikers")
	if err != nil {
		t.Fatal(err)
	}
	untitled, err := CreateRoom(e.ctx, e.p, members, "")
	if err != nil {
		t.Fatal(err)
	}
	e.synced(t, titled.ChatRoomName)
	e.synced(t, untitled.ChatRoomName)
	_, others := e.friends(t, "Rain1ove", "Carol")
	_, more := e.friends(t, "Rain1ove", "Bob", "Carol")

	tests := []struct {
		name   string
		q      RoomQuery
		want   string
		titled bool
	}{
		{"topic and members", e.query("Hikers", names), titled.ChatRoomName, true},
		{"members in another order", e.query("Hikers", []string{names[1], names[0]}), titled.ChatRoomName, true},
		{"untitled by members", e.query("Climbers", names), untitled.ChatRoomName, false},
		{"other members", e.query("Hikers", others), "", false},
		{"more members", e.query("Hikers", more), "", false},
	}
	skip := e.query("Hikers", names)
	skip.Skip = map[string]bool{titled.ChatRoomName: true}
	tests = append(tests, struct {
		name   string
		q      RoomQuery
		want   string
		titled bool
	}{"titled one taken", skip, untitled.ChatRoomName, false})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, err := FindRoom(e.ctx, e.p, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == "" && found != nil:
				t.Errorf("found %s, want none", found.Room.UserName)
			case tt.want != "" && found == nil:
				t.Errorf("found none, want %s", tt.want)
			case found != nil && (found.Room.UserName != tt.want || found.Titled != tt.titled):
				t.Errorf("found %s (titled %v), want %s (titled %v)", found.Room.UserName, found.Titled, tt.want, tt.titled)
			}
		})
	}
}

// TestFindRoomReadsBack checks that a group whose member list the app does
// not hold (the real app's recent chats often come without one) is read
// back through the app's batch get before it is compared.
func TestFindRoomReadsBack(t *testing.T) {
	e := newFindEnv(t)
	members, names := e.friends(t, "Carol", "Dave")
	res, err := CreateRoom(e.ctx, e.p, members, "")
	if err != nil {
		t.Fatal(err)
	}
	bigger, _ := e.friends(t, "Carol", "Dave", "Eve")
	other, err := CreateRoom(e.ctx, e.p, bigger, "")
	if err != nil {
		t.Fatal(err)
	}
	e.synced(t, res.ChatRoomName)
	e.synced(t, other.ChatRoomName)
	// The sandbox app keeps its contacts where the real one does.
	forget := scripts.Script{Name: "forgetMembers", Source: "function (room) { window._contacts[room].MemberList = []; return true; }"}
	for _, room := range []string{res.ChatRoomName, other.ChatRoomName} {
		if _, err := e.p.Run(e.ctx, forget, room); err != nil {
			t.Fatal(err)
		}
	}
	mark := e.p.LastSeq()
	found, err := FindRoom(e.ctx, e.p, e.query("Lunch", names))
	if err != nil || found == nil || found.Room.UserName != res.ChatRoomName {
		t.Fatalf("found %+v, %v; want %s", found, err, res.ChatRoomName)
	}
	read := map[string]bool{}
	for _, c := range e.p.Calls() {
		for _, room := range []string{res.ChatRoomName, other.ChatRoomName} {
			read[room] = read[room] || c.Seq > mark && c.Endpoint == EndpointBatchGet && listsUser(c.RequestBody, room)
		}
	}
	if !read[res.ChatRoomName] {
		t.Error("the group without a member list was not read back")
	}
	// Its MemberCount already rules the bigger group out.
	if read[other.ChatRoomName] {
		t.Error("a group of 4 was read back to compare with 2 members and you")
	}
}

// TestWaitRoomLostAnswer is the lost-answer case: the server makes the
// group and the page never sees the answer; the group reaches the app
// through its push channel, where WaitRoom finds it.
func TestWaitRoomLostAnswer(t *testing.T) {
	e := newFindEnv(t)
	members, names := e.friends(t, "Eve", "Frank")
	e.srv.DropCreateAnswer(1, nil)
	res, err := CreateRoom(e.ctx, e.p, members, "Picnic")
	if err == nil {
		t.Fatalf("create answered %+v despite the dropped answer", res)
	}
	t.Logf("create with the answer dropped: %v", err)
	dropped := e.srv.DroppedAnswers()
	if len(dropped) != 1 {
		t.Fatalf("the sandbox dropped %d answers, want 1", len(dropped))
	}
	// The browser did not send the create again by itself.
	if n := len(e.srv.Requests("webwxcreatechatroom")); n != 1 {
		t.Fatalf("the sandbox saw %d creates, want 1", n)
	}
	found, err := WaitRoom(e.ctx, e.p, e.query("Picnic", names), 10*time.Second)
	if err != nil || found == nil {
		t.Fatalf("WaitRoom: %+v, %v", found, err)
	}
	if found.Room.UserName != dropped[0] || found.Titled {
		t.Errorf("found %s (titled %v), want the untitled %s", found.Room.UserName, found.Titled, dropped[0])
	}

	// Nothing to find: WaitRoom gives up after its time, without error.
	_, others := e.friends(t, "Alice", "Bob")
	start := time.Now()
	found, err = WaitRoom(e.ctx, e.p, e.query("Nothing", others), 700*time.Millisecond)
	if err != nil || found != nil {
		t.Errorf("WaitRoom for a group that does not exist: %+v, %v", found, err)
	}
	if d := time.Since(start); d < 700*time.Millisecond || d > 5*time.Second {
		t.Errorf("WaitRoom gave up after %v, want about 700ms", d)
	}
}
