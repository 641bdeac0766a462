package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"

	"github.com/wxctl/wxctl/sandbox"
)

const (
	testSelf  = "@self0000000000000000"
	testBob   = "@bob00000000000000000"
	testCarol = "@carol000000000000000"
	testDave  = "@dave0000000000000000"
	testGroup = "@@room000000000000000"
)

// feed records app calls on a recorder the way the tab's events would.
type feed struct {
	r *recorder
	n int
}

// start records a request to endpoint, in flight until answer.
func (f *feed) start(endpoint string) network.RequestID {
	f.n++
	id := network.RequestID(fmt.Sprint(f.n))
	f.r.onEvent(&network.EventRequestWillBeSent{
		RequestID: id,
		Request:   &network.Request{URL: "https://wx.qq.com/cgi-bin/mmwebwx-bin/" + endpoint + "?r=1", Method: "GET"},
		Type:      network.ResourceTypeXHR,
	})
	return id
}

func (f *feed) answer(id network.RequestID, body string) { f.r.answered(id, 200, []byte(body)) }

// call records a request to endpoint answered with body.
func (f *feed) call(endpoint, body string) { f.answer(f.start(endpoint), body) }

// syncBody is a webwxsync answer; its parts are JSON arrays.
func syncBody(add, mod, del string) string {
	return `{"BaseResponse":{"Ret":0,"ErrMsg":""},"AddMsgList":` + or(add, "[]") + `,"ModContactList":` + or(mod, "[]") +
		`,"DelContactList":` + or(del, "[]") + `}`
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func msgJSON(id, from, to string, typ int, content string) string {
	b, _ := json.Marshal(map[string]any{"MsgId": id, "FromUserName": from, "ToUserName": to, "MsgType": typ, "Content": content, "CreateTime": 1700000000})
	return string(b)
}

func roomJSON(topic string, members ...string) string {
	var list []string
	for _, m := range members {
		list = append(list, `{"UserName":"`+m+`","NickName":"`+strings.TrimPrefix(m[:5], "@")+`","DisplayName":""}`)
	}
	return `{"UserName":"` + testGroup + `","NickName":` + fmt.Sprintf("%q", topic) + `,"MemberList":[` + strings.Join(list, ",") + `]}`
}

// newTestEvents is an Events on a recorder alone, its view seeded with the
// user, Bob, Carol (remark "Caz") and a group of the three.
func newTestEvents() (*Events, *feed) {
	e := newEvents(newRecorder())
	e.t.self = testSelf
	e.t.learn([]wireContact{
		{UserName: testSelf, NickName: `<span class="emoji emoji1f601"></span> me`},
		{UserName: testBob, NickName: "Bob"},
		{UserName: testCarol, NickName: "Carol", RemarkName: "Caz"},
	})
	var room struct{ wireContact }
	_ = json.Unmarshal([]byte(roomJSON(`Hikers <span class="emoji emoji1f97e"></span>`, testSelf, testBob, testCarol)), &room.wireContact)
	room.MemberList[1].DisplayName = "Bobby in here"
	e.t.learn([]wireContact{room.wireContact})
	return e, &feed{r: e.rec}
}

func nextEvents(t *testing.T, e *Events, n int) []Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var out []Event
	for range n {
		ev, err := e.Next(ctx)
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		out = append(out, ev)
	}
	return out
}

// TestEventsMessages: AddMsgList entries become message events with the
// names the app holds, the sender of a group message from its content,
// the text plain; the app's status notifications are no events.
func TestEventsMessages(t *testing.T) {
	e, f := newTestEvents()
	f.call("webwxsync", syncBody("["+strings.Join([]string{
		msgJSON("1", testBob, testSelf, 1, `hi &lt;b&gt;<br/><span class="emoji emoji1f600"></span>`),
		msgJSON("2", testSelf, testSelf, 51, ``),
		msgJSON("3", testGroup, testSelf, 1, testBob+`:<br/>in the group`),
		msgJSON("4", testSelf, testGroup, 1, `mine`),
		msgJSON("5", testGroup, testSelf, 10000, `"Dave"加入了群聊`),
		msgJSON("6", testCarol, testSelf, 3, `<msg img/>`),
		msgJSON("7", testDave, testSelf, 99, `?`),
	}, ",")+"]", "", ""))
	got := nextEvents(t, e, 6)
	want := []string{
		`1 text Bob→` + "\U0001F601 me" + ` group="" text="hi <b>\n😀" mine=false`,
		`3 text Bobby in here→Hikers 🥾 group="Hikers 🥾" text="in the group" mine=false`,
		`4 text ` + "\U0001F601 me" + `→Hikers 🥾 group="Hikers 🥾" text="mine" mine=true`,
		`5 system →Hikers 🥾 group="Hikers 🥾" text="\"Dave\"加入了群聊" mine=false`,
		`6 image Caz→` + "\U0001F601 me" + ` group="" text="" mine=false`,
		`7 other @dave…0000→` + "\U0001F601 me" + ` group="" text="" mine=false`,
	}
	for i, ev := range got {
		s := fmt.Sprintf("%s %s %s→%s group=%q text=%q mine=%v", ev.MsgID, ev.Type, ev.From, ev.To, ev.Group, ev.Text, ev.Mine)
		if s != want[i] {
			t.Errorf("event %d:\n got %s\nwant %s", i, s, want[i])
		}
	}
	if got[1].FromID != testBob || got[1].GroupID != testGroup || got[0].Time.Unix() != 1700000000 {
		t.Errorf("ids and time: %+v", got[1])
	}
}

// TestEventsGroupChanges: ModContactList tells a group's topic and members
// against the app's view before it; a group it did not hold is new, one in
// DelContactList is gone; a contact's new name is a contact-change.
func TestEventsGroupChanges(t *testing.T) {
	e, f := newTestEvents()
	f.call("webwxsync", syncBody("", "["+roomJSON(`Hikers <span class="emoji emoji1f97e"></span>`, testSelf, testBob, testCarol)+"]", ""))
	f.call("webwxsync", syncBody("", "["+roomJSON("New &amp; topic", testSelf, testBob, testDave)+"]", ""))
	f.call("webwxsync", syncBody("", `[{"UserName":"`+testBob+`","NickName":"Robert"},{"UserName":"`+testSelf+`","NickName":"me again"}]`, ""))
	f.call("webwxsync", syncBody("", "", "["+roomJSON("New &amp; topic")+"]"))
	f.call("webwxsync", syncBody("", "["+roomJSON("Again", testSelf, testCarol)+"]", ""))
	got := nextEvents(t, e, 4)
	ev := got[0] // the first answer changed nothing: no event
	if ev.Kind != EventGroupChange || strings.Join(ev.Changes, ",") != "topic,members" || *ev.OldTopic != "Hikers 🥾" ||
		*ev.Topic != "New & topic" || strings.Join(ev.Joined, ",") != "dave" || strings.Join(ev.Left, ",") != "Caz" {
		t.Errorf("change %+v", ev)
	}
	if ev := got[1]; ev.Kind != EventContactChange || ev.Name != "Robert" || ev.OldName != "Bob" || strings.Join(ev.Changes, ",") != "name" {
		t.Errorf("contact change %+v", ev)
	}
	if ev := got[2]; ev.Kind != EventGroupChange || strings.Join(ev.Changes, ",") != "gone" || ev.Group != "New & topic" {
		t.Errorf("gone %+v", ev)
	}
	if ev := got[3]; strings.Join(ev.Changes, ",") != "new" || *ev.Topic != "Again" || strings.Join(ev.Joined, ",") != "Caz,me again" {
		t.Errorf("new %+v", ev)
	}
}

// TestEventsOrder: a webwxsync answered early waits for the one before
// it, so that changes are told in the order the app applies them; the
// app's contact loading between them is learnt, not told; the end of the
// session is the last event and then ErrNotLoggedIn.
func TestEventsOrder(t *testing.T) {
	e, f := newTestEvents()
	first := f.start("webwxsync")
	f.call("webwxbatchgetcontact", `{"BaseResponse":{"Ret":0},"ContactList":[{"UserName":"`+testDave+`","NickName":"Dave"}]}`)
	f.call("webwxsync", syncBody("["+msgJSON("2", testDave, testSelf, 1, "second")+"]", "", ""))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if ev, err := e.Next(ctx); err == nil {
		t.Fatalf("an event before the first answer: %+v", ev)
	}
	cancel()
	f.answer(first, syncBody("["+msgJSON("1", testBob, testSelf, 1, "first")+"]", "", ""))
	got := nextEvents(t, e, 2)
	if got[0].MsgID != "1" || got[1].MsgID != "2" || got[1].From != "Dave" {
		t.Errorf("events %+v", got)
	}
	f.call("synccheck", `window.synccheck={retcode:"1101",selector:"0"}`)
	if ev := nextEvents(t, e, 1)[0]; ev.Kind != EventSessionEnded || !strings.Contains(ev.Reason, "1101") {
		t.Errorf("end %+v", ev)
	}
	if _, err := e.Next(context.Background()); err == nil || !strings.Contains(err.Error(), "1101") {
		t.Errorf("after the end: %v", err)
	}
	if len(e.handled) > 1 {
		t.Errorf("%d calls above from kept", len(e.handled))
	}
}

// TestWaitEventAfterSend is the smoke check's use: after a mark taken when
// a check began (here a send), WaitEvent finds the message the app
// receives in the group, here the server's echo of what was sent, and a
// friend's answer after it; a predicate nothing meets ends with ctx.
func TestWaitEventAfterSend(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := newSandbox(t)
	p := openApp(t, b, url)
	ctx := callCtx(t)
	if _, err := LoadContacts(ctx, p); err != nil {
		t.Fatal(err)
	}
	room := srv.Rooms()[0].UserName

	mark := p.LastSeq()
	if _, err := SendText(ctx, p, room, "hello"); err != nil {
		t.Fatal(err)
	}
	ev, err := WaitEvent(ctx, p, mark, func(ev Event) bool {
		return ev.Kind == EventMessage && ev.GroupID == room && ev.Text == "hello"
	})
	if err != nil || !ev.Mine || ev.Group != sandbox.SeedRoomTopic {
		t.Fatalf("the echo of the message sent: %+v, %v", ev, err)
	}

	mark = p.LastSeq()
	if _, err := srv.FriendSays("Bob", room, "hi back"); err != nil {
		t.Fatal(err)
	}
	ev, err = WaitEvent(ctx, p, mark, func(ev Event) bool { return ev.Kind == EventMessage && ev.From == "Bob" })
	if err != nil || ev.Text != "hi back" || ev.Mine {
		t.Fatalf("Bob's answer: %+v, %v", ev, err)
	}

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := WaitEvent(short, p, p.LastSeq(), func(ev Event) bool { return ev.Text == "never" }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("an event that never comes: %v, want DeadlineExceeded", err)
	}
}

// TestEventsMissed: calls the recorder lets go before the stream read
// them count as missed, those it read do not, even above a call long in
// flight; the stream goes on.
func TestEventsMissed(t *testing.T) {
	e, f := newTestEvents()
	stuck := f.start("synccheck") // in flight while the others come and go
	f.call("webwxsync", syncBody("["+msgJSON("1", testBob, testSelf, 1, "read")+"]", "", ""))
	if ev := nextEvents(t, e, 1)[0]; ev.MsgID != "1" {
		t.Fatalf("first event %+v", ev)
	}
	for range maxCalls {
		f.call("webwxstatusnotify", `{"BaseResponse":{"Ret":0}}`)
		calls, _ := e.rec.snapshot(e.from) // the stream keeps up
		e.scan(calls)
	}
	f.call("webwxsync", syncBody("["+msgJSON("2", testBob, testSelf, 1, "after")+"]", "", ""))
	if ev := nextEvents(t, e, 1)[0]; ev.MsgID != "2" {
		t.Fatalf("event after the recorder let calls go %+v", ev)
	}
	if e.Missed() != 1 { // the synccheck still in flight when it was let go
		t.Errorf("missed %d, want 1", e.Missed())
	}
	f.answer(stuck, `window.synccheck={retcode:"0",selector:"2"}`)
}
