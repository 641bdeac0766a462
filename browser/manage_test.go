package browser

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// testGroups adds groups to testBook: two share a topic, one has none.
func testGroups() *AddressBook {
	b := testBook()
	b.Groups = []Contact{
		{UserName: "@@hike", NickName: "Weekend Hikers"},
		{UserName: "@@party1", NickName: `Party <span class="emoji emoji1f389"></span>`},
		{UserName: "@@book1", NickName: "Book Club"},
		{UserName: "@@book2", NickName: "Book Club"},
		{UserName: "@@nameless"},
	}
	return b
}

func TestResolveGroup(t *testing.T) {
	b := testGroups()
	for name, want := range map[string]string{
		"Weekend Hikers":  "@@hike",
		"weekend  hikers": "@@hike",
		"Party 🎉":         "@@party1",
		"@@book2":         "@@book2",
		"@@nameless":      "@@nameless",
	} {
		got, err := b.ResolveGroup(name)
		if err != nil || got.UserName != want {
			t.Errorf("%q: got %q, %v; want %s", name, got.UserName, err, want)
		}
	}
	for name, want := range map[string][]string{
		"Book Club": {`"Book Club" is ambiguous`, "@@book1", "@@book2"},
		"Nowhere":   {`no group is called "Nowhere"`, "@@hike", "(no topic) @@nameless"},
		"@@gone":    {`no group is called "@@gone"`},
		"":          {"no group"},
	} {
		_, err := b.ResolveGroup(name)
		if !errors.Is(err, ErrBadInput) {
			t.Errorf("%q: err %v, want bad input", name, err)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: %q lacks %q", name, err, w)
			}
		}
	}
}

// TestResolveGroupListsFew: an unknown name lists a few groups, those
// whose topic is near the name first, not the hundreds a person has.
func TestResolveGroupListsFew(t *testing.T) {
	b := testGroups()
	for i := range 30 {
		b.Groups = append(b.Groups, Contact{UserName: fmt.Sprintf("@@g%02d", i), NickName: fmt.Sprintf("Group %02d", i)})
	}
	b.Groups[0].ContactFlag = 3 // Weekend Hikers is saved to the address book
	_, err := b.ResolveGroup("book")
	msg := err.Error()
	if !strings.HasPrefix(msg, `no group is called "book" in this session; groups: "Book Club" @@book1, "Book Club" @@book2, "Weekend Hikers" @@hike, `) ||
		strings.Count(msg, "@@") != maxListed || !strings.Contains(msg, "and 25 more (wxctl contacts --groups") {
		t.Errorf("%s", msg)
	}
	_, err = b.ResolveGroup("Chess club")
	if msg := err.Error(); !strings.Contains(msg, `groups: "Book Club" @@book1, "Book Club" @@book2, "Weekend Hikers" @@hike, `) {
		t.Errorf("a shared word: %s", msg)
	}
}

// testRoom is a group with you, Rain1ove (who calls himself "Rainy" there)
// and a stranger.
func testRoom(b *AddressBook) *Contact {
	return &Contact{UserName: "@@hike", NickName: "Weekend Hikers", MemberList: []Member{
		{UserName: b.Self.UserName, NickName: b.Self.NickName},
		{UserName: "@rain000000000000000001", NickName: "Rain1ove", DisplayName: "Rainy"},
		{UserName: "@grace00000000000000009", NickName: "Grace"},
		{UserName: "@zhang00000000000000003", NickName: "Zhang Wei"},
	}}
}

func TestResolveNewMembers(t *testing.T) {
	b := testGroups()
	room := testRoom(b)
	mates := []Contact{{UserName: "@ivy0000000000000000010", NickName: "Ivy"}}
	got, err := b.ResolveNewMembers(room, []string{"alice_w", "@tom1000000000000000005", "Ivy", `Quote "Q" \ </script>`}, mates)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"@alice00000000000000004", "@tom1000000000000000005", "@ivy0000000000000000010", "@quote00000000000000008"}
	for i, c := range got {
		if c.UserName != want[i] {
			t.Errorf("member %d = %s, want %s", i, c.UserName, want[i])
		}
	}

	_, err = b.ResolveNewMembers(room, []string{"Rain1ove", "Boss", b.Self.UserName, "😁 Me", "Alice", "alice_w", "Tom", "Nobody"}, mates)
	var ne *NameError
	if !errors.As(err, &ne) {
		t.Fatalf("err = %v, want a *NameError", err)
	}
	wants := []string{"Rain1ove (@rain…0001) is in the group already", "Boss (@zhan…0003) is in the group already",
		"you are in the group already", "you are in the group already", "Alice (@alic…0004) is listed twice",
		`"Tom" is ambiguous`, `no friend is called "Nobody"`}
	if len(ne.Problems) != len(wants) {
		t.Fatalf("problems %q, want %d", ne.Problems, len(wants))
	}
	for i, w := range wants {
		if !strings.Contains(ne.Problems[i], w) {
			t.Errorf("problem %d = %q, want %q", i, ne.Problems[i], w)
		}
	}
}

func TestResolveRoomMembers(t *testing.T) {
	b := testGroups()
	room := testRoom(b)
	got, err := b.ResolveRoomMembers(room, []string{"Rainy", "Grace", "Boss"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].UserName != "@rain000000000000000001" || got[1].UserName != "@grace00000000000000009" || got[2].UserName != "@zhang00000000000000003" {
		t.Errorf("got %+v", got)
	}
	_, err = b.ResolveRoomMembers(room, []string{"Alice", "😁 Me", "Grace", "@grace00000000000000009", "@alice00000000000000004"})
	var ne *NameError
	if !errors.As(err, &ne) || len(ne.Problems) != 4 {
		t.Fatalf("err = %v, want 4 problems", err)
	}
	for i, w := range []string{`no member of "Weekend Hikers" is called "Alice"`, "you cannot remove yourself",
		"Grace (@grac…0009) is listed twice", `not the UserName of a member of "Weekend Hikers"`} {
		if !strings.Contains(ne.Problems[i], w) {
			t.Errorf("problem %d = %q, want %q", i, ne.Problems[i], w)
		}
	}
}

func TestResolveChat(t *testing.T) {
	b := testGroups()
	b.Groups = append(b.Groups, Contact{UserName: "@@alice", NickName: "Alice"})
	for name, want := range map[string]string{
		"Boss":           "@zhang00000000000000003",
		"Weekend Hikers": "@@hike",
		"@@alice":        "@@alice",
		"alice_w":        "@alice00000000000000004",
	} {
		got, err := b.ResolveChat(name)
		if err != nil || got.UserName != want {
			t.Errorf("%q: got %q, %v; want %s", name, got.UserName, err, want)
		}
	}
	for name, want := range map[string]string{
		"Alice":          `"Alice" is ambiguous`,
		b.Self.UserName:  "yourself",
		"😁 Me":           "yourself",
		"Nobody":         `no friend or group is called "Nobody"`,
		"@@nosuchroom00": "not the UserName of a friend or group",
	} {
		if _, err := b.ResolveChat(name); !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", name, err, want)
		}
	}
}

func TestNewRoomUpdate(t *testing.T) {
	done := NetCall{
		URL: "http://x/cgi-bin/mmwebwx-bin/webwxupdatechatroom?fun=invitemember&lang=zh_CN", Done: true, Status: 200,
		RequestBody:  json.RawMessage(`{"InviteMemberList":"@a,@b","ChatRoomName":"@@r"}`),
		ResponseBody: json.RawMessage(`{"BaseResponse":{"Ret":1,"ErrMsg":"too often"},"MemberCount":0,"MemberList":[]}`),
	}
	u := newRoomUpdate(done)
	if u.Fun != FunInviteMember || strings.Join(u.Members, " ") != "@a @b" || !u.Answered || u.Ret != 1 || u.ErrMsg != "too often" {
		t.Errorf("update %+v", u)
	}
	ch := RoomChange{Updates: []RoomUpdate{u}}
	if !ch.Invited() {
		t.Error("an invitemember call is not an invitation")
	}
	pending := done
	pending.Done, pending.Status, pending.ResponseBody, pending.Duration = false, 0, nil, time.Second
	if u := newRoomUpdate(pending); u.Answered {
		t.Errorf("a call without answer reads as answered: %+v", u)
	}
	failed := done
	failed.Status, failed.ResponseBody = 500, json.RawMessage(`"Internal Server Error"`)
	if u := newRoomUpdate(failed); u.Answered {
		t.Errorf("an HTTP 500 reads as answered: %+v", u)
	}
}

func TestSentLocalIDAndMsgID(t *testing.T) {
	body := json.RawMessage(`{"BaseRequest":{},"Msg":{"Type":1,"Content":"hi","LocalID":"17000000000000123","ClientMsgId":"17000000000000123"}}`)
	if got := sentLocalID(body); got != "17000000000000123" {
		t.Errorf("LocalID %q", got)
	}
	for raw, want := range map[string]string{`"4711"`: "4711", `4711`: "4711", `null`: "", `{}`: ""} {
		if got := jsonText(json.RawMessage(raw)); got != want {
			t.Errorf("jsonText(%s) = %q, want %q", raw, got, want)
		}
	}
}

// TestListGroupsIsBounded: an account with 1,600 groups gets an error of
// ten candidates and a count, not 1,600 of them; a huge topic is cut.
func TestListGroupsIsBounded(t *testing.T) {
	b := testBook()
	for i := range 1600 {
		b.Groups = append(b.Groups, Contact{UserName: fmt.Sprintf("@@g%04d", i), NickName: fmt.Sprintf("Group %d", i)})
	}
	b.Groups[3].NickName = strings.Repeat("周末", 5000)
	_, err := b.ResolveGroup("Nowhere")
	msg := err.Error()
	if !strings.Contains(msg, "@@g0009") || strings.Contains(msg, "@@g0010") || !strings.Contains(msg, ", and 1,590 more (wxctl contacts --groups") {
		t.Errorf("error lists the wrong groups: %.300s … %s", msg, msg[max(0, len(msg)-100):])
	}
	if len(msg) > 1000 || !strings.Contains(msg, "周…\" @@g0003") {
		t.Errorf("error of %d bytes: %.300s", len(msg), msg)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1590: "1,590", 1234567: "1,234,567", -1590: "-1,590"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
