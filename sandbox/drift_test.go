package sandbox

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDriftEditsApply(t *testing.T) {
	for _, e := range driftEdits {
		s, err := New(WithDrift(e.drift))
		if err != nil {
			t.Fatalf("drift %d: %v", e.drift, err)
		}
		ts := httptest.NewServer(s)
		resp, err := ts.Client().Get(ts.URL + "/js/chatroom.js")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ts.Close()
		if !strings.Contains(string(b), e.new) || strings.Contains(string(b), e.old) {
			t.Errorf("drift %d not applied to the served chatroom.js", e.drift)
		}
	}
	all := DriftRenamedService | DriftCreateResolves | DriftCreateWithoutTopic
	if _, err := New(WithDrift(all)); err != nil {
		t.Errorf("all drifts together: %v", err)
	}
}

func TestNoDriftServesThePage(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	src, _ := staticFiles.ReadFile("static/js/chatroom.js")
	if string(s.chatroomJS) != string(src) {
		t.Error("without drift, chatroom.js differs from the embedded one")
	}
}
