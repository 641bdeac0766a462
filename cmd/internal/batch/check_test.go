package batch

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxctl/wxctl/browser"
)

// TestBatchPlanRefusesLongTopic: the plan check refuses a topic WeChat
// would refuse (counted in characters, not bytes), so that no group is
// created only to keep no topic, run after run.
func TestBatchPlanRefusesLongTopic(t *testing.T) {
	fits := strings.Repeat("群", 32)
	long := strings.Repeat("群", 33)
	problems := checkBatchPlan([]Group{
		{Line: 1, Topic: fits, Members: []string{"Bob", "Carol"}},
		{Line: 2, Topic: long, Members: []string{"Bob", "Carol"}},
	})
	if len(problems) != 1 || problems[0].Line != 2 || !strings.Contains(problems[0].Problem, "at most 32") {
		t.Errorf("problems %v, want one for line 2 saying at most 32", problems)
	}
}

// TestBatchMessagesAreBounded: a 10,000-character topic and a member's
// name of megabytes (a cell pasted wrong) make plan problems of a line a
// person can read, cut on whole characters.
func TestBatchMessagesAreBounded(t *testing.T) {
	topic := strings.Repeat("周末徒步", 2500)
	huge := strings.Repeat("Bob", 2<<20)
	book := &browser.AddressBook{
		Self:    browser.Contact{UserName: "@self", NickName: "Me"},
		Friends: []browser.Contact{{UserName: "@bob", NickName: "Bob"}, {UserName: "@carol", NickName: "Carol"}},
	}
	groups := []Group{
		{Line: 1, Topic: topic, Members: []string{"Bob", huge}},
		{Line: 2, Topic: topic, Members: []string{huge, huge, "Carol"}},
	}
	problems := resolveBatchPlan(book, newBatchItems(groups), checkBatchPlan(groups))
	if len(problems) < 3 {
		t.Fatalf("problems %v", problems)
	}
	for _, p := range problems {
		s := p.String()
		if len(s) > 1500 || !utf8.ValidString(s) || !strings.Contains(s, "周…\"") {
			t.Errorf("problem of %d bytes: %.300q", len(s), s)
		}
	}
	it := &batchItem{Group: groups[0], state: stateFailed, reason: "refused"}
	if s := settledText(it); len(s) > 300 {
		t.Errorf("progress line of %d bytes", len(s))
	}
}
