package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
)

// TestLoadContactsWaitsForGroups: with 120 unsaved groups in the recent
// chats, which the app loads through three batch gets in a row after the
// page opens, the oldest of them resolves by name right after the page is
// up, in every fresh tab.
func TestLoadContactsWaitsForGroups(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := newSandbox(t, sandbox.WithRecentGroups(120))
	for i := range 3 {
		p := openApp(t, b, url)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		book, err := LoadContacts(ctx, p)
		cancel()
		if err != nil {
			t.Fatalf("tab %d: %v", i, err)
		}
		if _, err := book.ResolveGroup(sandbox.RecentGroupTopic(120)); err != nil {
			t.Fatalf("tab %d: %v", i, err)
		}
		if len(book.Groups) != 121 {
			t.Errorf("tab %d: %d groups, want 121", i, len(book.Groups))
		}
		var saved int
		for _, g := range book.Groups {
			if g.IsSaved() {
				saved++
			}
		}
		if saved != 1 {
			t.Errorf("tab %d: %d groups saved to the address book, want the seed's one", i, saved)
		}
		_ = p.Close()
	}
	if n := len(srv.Requests(EndpointBatchGet)); n < 9 {
		t.Errorf("%d batch gets for three tabs, want three each at least", n)
	}
}

// TestWaitGroupsTimeout: when the app's batch gets do not come back in
// time, LoadContacts says so, names the groups still missing, and is the
// app-not-ready class.
func TestWaitGroupsTimeout(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := newSandbox(t, sandbox.WithRecentGroups(120))
	srv.SetFault(sandbox.Fault{Endpoint: EndpointBatchGet, Delay: time.Minute})
	p := openApp(t, b, url)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := LoadContacts(ctx, p)
	var gerr *GroupsLoadingError
	if !errors.As(err, &gerr) || !errors.Is(err, ErrAppNotReady) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a *GroupsLoadingError", err)
	}
	oldest := srv.Rooms()[120]
	if gerr.Total != 121 || len(gerr.Missing) < 110 || !strings.Contains(strings.Join(gerr.Missing, ","), oldest.UserName) {
		t.Errorf("missing %d of %d, want most of 121 and the oldest", len(gerr.Missing), gerr.Total)
	}
	for _, want := range []string{"121 groups", ShortUserName(gerr.Missing[0]), "more", "--timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}

// TestWaitGroupsFailedBatch: a batch get answered with an error settles
// its groups: the app will not hold them, and waiting longer would not
// change that.
func TestWaitGroupsFailedBatch(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := newSandbox(t, sandbox.WithRecentGroups(20))
	srv.SetFault(sandbox.Fault{Endpoint: EndpointBatchGet, Status: http.StatusInternalServerError})
	p := openApp(t, b, url)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	book, err := LoadContacts(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := book.ResolveGroup(sandbox.SeedRoomTopic); err != nil {
		t.Errorf("the saved group: %v", err)
	}
	if _, err := book.ResolveGroup(sandbox.RecentGroupTopic(20)); !errors.Is(err, ErrBadInput) {
		t.Errorf("a group whose batch get failed: %v, want unknown", err)
	}
}

// TestLoadingGroups reads what the app loads from recorded calls.
func TestLoadingGroups(t *testing.T) {
	init := NetCall{Seq: 3, Endpoint: "webwxinit", Done: true, ResponseBody: json.RawMessage(
		`{"ChatSet":"@@a,filehelper,@bob,@@b,@@c@talkroom,@@a,","ContactList":[{"UserName":"@@z"},{"UserName":"@carol"}]}`)}
	batch := func(seq, status int, list, answer string) NetCall {
		return NetCall{Seq: seq, Endpoint: EndpointBatchGet, Done: true, Status: status,
			RequestBody:  json.RawMessage(fmt.Sprintf(`{"Count":2,"List":[%s]}`, list)),
			ResponseBody: json.RawMessage(answer)}
	}
	calls := []NetCall{
		batch(1, 200, `{"UserName":"@@old"}`, `{"BaseResponse":{"Ret":1},"ContactList":[]}`),
		init,
		batch(4, 200, `{"UserName":"@@a"},{"UserName":"@@b"}`, `{"BaseResponse":{"Ret":0},"ContactList":[{"UserName":"@@a"}]}`),
		batch(5, 500, `{"UserName":"@@z"}`, `"server error"`),
		batch(6, 200, `{"UserName":"@@y"}`, `{"BaseResponse":{"Ret":1},"ContactList":[]}`),
	}
	seq, groups := loadingGroups(calls)
	if seq != 3 || strings.Join(groups, ",") != "@@a,@@b,@@z" {
		t.Errorf("loadingGroups = %d %q, want 3 [@@a @@b @@z]", seq, groups)
	}
	without := answeredWithout(calls, seq)
	if len(without) != 3 || !without["@@b"] || !without["@@z"] || !without["@@y"] {
		t.Errorf("answeredWithout = %v, want @@b (left out), @@z (HTTP 500), @@y (Ret 1)", without)
	}
	if seq, groups := loadingGroups(calls[:1]); seq != 0 || groups != nil {
		t.Errorf("without webwxinit: %d %q", seq, groups)
	}
}
