package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"testing"
)

func TestDropCreateAnswer(t *testing.T) {
	c := newClient(t)
	var held []string
	c.s.DropCreateAnswer(2, func(room string) {
		// The group exists while the answer is held.
		if _, ok := c.s.Room(room); !ok {
			t.Errorf("the group %s does not exist when its answer is dropped", room)
		}
		held = append(held, room)
	})
	if b := base(t, c.createRoom("", Rain1ove, HuiTao)); b.Ret != 0 {
		t.Fatalf("first create: Ret %d", b.Ret)
	}
	before := len(c.s.Rooms())

	body, err := json.Marshal(map[string]any{
		"MemberCount": 2, "MemberList": []map[string]string{{"UserName": Rain1ove}, {"UserName": HuiTao}},
		"Topic": "", "BaseRequest": c.baseRequest(),
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.hc.Post(c.ts.URL+apiPrefix+"webwxcreatechatroom?r=1", "application/json", bytes.NewReader(body))
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("the second create was answered in full; want a cut answer")
	}

	rooms := c.s.Rooms()
	if len(rooms) != before+1 {
		t.Fatalf("%d rooms after the dropped answer, want %d: the group must exist", len(rooms), before+1)
	}
	dropped := c.s.DroppedAnswers()
	if len(dropped) != 1 || dropped[0] != rooms[len(rooms)-1].UserName || !slices.Equal(held, dropped) {
		t.Errorf("DroppedAnswers() = %v, hook saw %v, newest room %s", dropped, held, rooms[len(rooms)-1].UserName)
	}
	if n := len(c.s.Requests("webwxcreatechatroom")); n != 2 {
		t.Errorf("the server saw %d creates, want 2", n)
	}

	// The switch fires once.
	if b := base(t, c.createRoom("", Rain1ove, HuiTao)); b.Ret != 0 {
		t.Errorf("create after the drop: Ret %d", b.Ret)
	}
	if n := len(c.s.DroppedAnswers()); n != 1 {
		t.Errorf("%d answers dropped, want 1", n)
	}
}
