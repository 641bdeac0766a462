package browser

import (
	"strings"
	"testing"
)

// TestSuggestNearNames: an unknown name suggests the contacts within a few
// typing mistakes, case and spacing ignored, nearest first.
func TestSuggestNearNames(t *testing.T) {
	list := []Contact{
		{UserName: "@carol", NickName: "Carol"},
		{UserName: "@bob", NickName: "Bob"},
		{UserName: "@zw", NickName: "Zhang Wei", RemarkName: "Boss"},
		{UserName: "@alice", NickName: "Alice", Alias: "alice_w"},
		{UserName: "@ht", NickName: "迴焘願點"},
	}
	for _, tt := range []struct {
		name string
		want []string // in order
		not  []string
	}{
		{"Carl", []string{`"Carol"`}, []string{`"Bob"`}},
		{"carol ", []string{`"Carol"`}, nil},
		{"Bobb", []string{`"Bob"`}, []string{`"Carol"`}},
		{"Bos", []string{`remark "Boss"`}, nil},
		{"alice-w", []string{`"Alice"`}, nil},
		{"迴焘願", []string{`"迴焘願點"`}, nil},
		{"Zhang We", []string{`"Zhang Wei"`}, nil},
	} {
		got := suggest(list, tt.name)
		last := -1
		for _, w := range tt.want {
			i := strings.Index(got, w)
			if i < 0 || i < last {
				t.Errorf("suggest(%q) = %q, want %q in order", tt.name, got, tt.want)
			}
			last = i
		}
		for _, w := range tt.not {
			if strings.Contains(got, w) {
				t.Errorf("suggest(%q) = %q, should not name %s", tt.name, got, w)
			}
		}
	}
	if got := suggest(list, "Xavier"); got != "" {
		t.Errorf("suggest(Xavier) = %q, want nothing", got)
	}
	b := &AddressBook{Friends: list}
	if _, msg := b.resolveOne("Carl"); !strings.Contains(msg, `no friend is called "Carl"; did you mean "Carol"`) {
		t.Errorf("resolving Carl: %q", msg)
	}
}

// TestNearGroupsTypos: a group named with a typing mistake comes first in
// the list an unknown group name gets.
func TestNearGroupsTypos(t *testing.T) {
	groups := []Contact{
		{UserName: "@@hike", NickName: "Weekend Hikers", ContactFlag: 3},
		{UserName: "@@book", NickName: "Book Club"},
	}
	b := &AddressBook{Groups: groups}
	_, err := b.ResolveGroup("Bok Clb")
	if err == nil || !strings.Contains(err.Error(), `groups: "Book Club" @@book, "Weekend Hikers"`) {
		t.Errorf("Bok Clb: %v", err)
	}
}
