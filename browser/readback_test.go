package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
)

// batchGetsOf returns the done batch gets after mark whose request lists
// room.
func batchGetsOf(p *Page, mark int, room string) []NetCall {
	var out []NetCall
	for _, c := range p.Calls() {
		if c.Seq > mark && c.Endpoint == EndpointBatchGet && c.Done && listsUser(c.RequestBody, room) {
			out = append(out, c)
		}
	}
	return out
}

// entryIn returns the ContactList entry of room in a batch get's answer.
func entryIn(t *testing.T, c NetCall, room string) json.RawMessage {
	t.Helper()
	var ans struct{ ContactList []json.RawMessage }
	if err := json.Unmarshal(c.ResponseBody, &ans); err != nil {
		t.Fatal(err)
	}
	for _, e := range ans.ContactList {
		if requestField(e, "UserName") == room {
			return e
		}
	}
	t.Fatalf("the answer does not list %s", room)
	return nil
}

// TestCreateRoomTakesTheAppsOwnRead: the sandbox, like the genuine client,
// pushes the new group to the page at once, and the app queues its own
// batch get of it, which is on the wire when the create answer arrives.
// The read-back takes that answer instead of waiting for a request of its
// own (which the app, holding the read in flight, never sends), and comes
// well under --timeout.
func TestCreateRoomTakesTheAppsOwnRead(t *testing.T) {
	e := newFindEnv(t)
	members, _ := e.friends(t, "Carol", "Dave")
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	mark := e.p.LastSeq()
	start := time.Now()
	res, err := CreateRoom(ctx, e.p, members, "")
	took := time.Since(start)
	if err != nil {
		t.Fatalf("CreateRoom after %s: %v", took, err)
	}
	if took > 1500*time.Millisecond {
		t.Errorf("CreateRoom took %s, want under 1.5 s", took)
	}
	if res.Room == nil || len(res.Room.MemberList) != 3 {
		t.Fatalf("read back %+v", res.Room)
	}
	var create NetCall
	for _, c := range e.p.Calls() {
		if c.Seq > mark && c.Endpoint == EndpointCreateRoom {
			create = c
		}
	}
	reads := batchGetsOf(e.p, mark, res.ChatRoomName)
	if len(reads) != 1 {
		t.Fatalf("%d batch gets of the group, want the app's own only", len(reads))
	}
	// wxctl asks nothing before the create answer: a read that began before
	// it is the app's own.
	if !reads[0].Started.Before(answeredAt(create)) {
		t.Errorf("the batch get began %s after the create answer: not the app's own read",
			reads[0].Started.Sub(answeredAt(create)))
	}
	var got, want bytes.Buffer
	_ = json.Compact(&got, res.Info)
	_ = json.Compact(&want, entryIn(t, reads[0], res.ChatRoomName))
	if got.String() != want.String() {
		t.Errorf("Info is not the entry of the app's batch get:\n%s\n%s", got.String(), want.String())
	}
}

// TestReadBackShowsTheChange: after a change, only a read begun after the
// change's answer counts, so the group read back shows it, even though the
// app holds the group already and reads it by itself now and then.
func TestReadBackShowsTheChange(t *testing.T) {
	e := newFindEnv(t)
	members, _ := e.friends(t, "Carol", "Dave")
	res, err := CreateRoom(e.ctx, e.p, members, "")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := RenameRoom(e.ctx, e.p, res.ChatRoomName, "Renamed")
	if err != nil || ch.ReadErr != nil {
		t.Fatalf("RenameRoom: %v, read back: %v", err, ch.ReadErr)
	}
	if ch.Room == nil || PlainName(ch.Room.NickName) != "Renamed" {
		t.Fatalf("read back %+v, want the new topic", ch.Room)
	}
	update := ch.Updates[len(ch.Updates)-1].Call
	reads := batchGetsOf(e.p, update.Seq, res.ChatRoomName)
	if len(reads) == 0 || reads[0].Started.Before(answeredAt(update)) {
		t.Errorf("the read back did not begin after the modtopic answer: %+v", reads)
	}
	more, _ := e.friends(t, "Eve")
	ch, err = AddMembers(e.ctx, e.p, res.ChatRoomName, more)
	if err != nil || ch.ReadErr != nil {
		t.Fatalf("AddMembers: %v, read back: %v", err, ch.ReadErr)
	}
	if !ch.Room.HasMember(more[0].UserName) || len(ch.Room.MemberList) != 4 {
		t.Errorf("read back after add: %+v", ch.Room.MemberList)
	}
}

// TestReadRoomTwiceInARow: a read asked for right after another of the
// same group, with the app's read in flight or just answered, completes.
func TestReadRoomTwiceInARow(t *testing.T) {
	e := newFindEnv(t)
	members, _ := e.friends(t, "Carol", "Dave")
	res, err := CreateRoom(e.ctx, e.p, members, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
		room, _, err := ReadRoom(ctx, e.p, res.ChatRoomName)
		cancel()
		if err != nil || len(room.MemberList) != 3 {
			t.Fatalf("read %d: %+v, %v", i, room, err)
		}
	}
}

// TestReadRoomWaitsOutAFailedBatchOfSeveral: when a batch of several that
// lists the group fails, the app asks for each contact again, alone; the
// read-back takes the group's own answer, not the failure of the batch.
func TestReadRoomWaitsOutAFailedBatchOfSeveral(t *testing.T) {
	e := newFindEnv(t)
	room := e.srv.Rooms()[0].UserName
	// Let the app's own reads after start-up settle first.
	fromBatch := func() bool {
		v, err := e.p.Eval(e.ctx, `(function (c) { return !!c && !!c.MMFromBatchGet; })(
			angular.element(document).injector().get('contactFactory').getContact(`+strconv.Quote(room)+`, '', true))`)
		return err == nil && string(v) == "true"
	}
	for !fromBatch() {
		mark := e.p.LastSeq()
		if _, err := e.p.WaitCall(e.ctx, func(c NetCall) bool { return c.Seq > mark && c.Endpoint == EndpointBatchGet }); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.SetFault(sandbox.Fault{Endpoint: EndpointBatchGet, Ret: 1, Once: true})
	mark := e.p.LastSeq()
	if _, err := e.p.Eval(e.ctx, `(function (c) {
		c.addBatchgetContact({UserName: `+strconv.Quote(sandbox.Grace)+`, ChatRoomId: ''});
		c.addBatchgetContact({UserName: `+strconv.Quote(room)+`, ChatRoomId: ''});
		return true;
	})(angular.element(document).injector().get('contactFactory'))`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	got, _, err := ReadRoom(ctx, e.p, room)
	if err != nil || len(got.MemberList) != 4 {
		t.Fatalf("ReadRoom: %+v, %v", got, err)
	}
	reads := batchGetsOf(e.p, mark, room)
	if len(reads) < 2 || CheckAnswer(EndpointBatchGet, reads[0]) == nil {
		t.Errorf("want the failed batch of two, then the group's own read: %d reads", len(reads))
	}
}
