package smoke

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/browser"
)

// TestEventCheckMatches: an event check tells events apart by kind, by
// chat (a UserName or a name) and by its assertions on the event's JSON.
func TestEventCheckMatches(t *testing.T) {
	plan, err := ParsePlan("p.yaml", []byte(`
checks:
  - {name: send, type: eval, expr: 1}
  - name: hello
    type: event
    event: message
    after: send
    chat: {member: Bob}
    expect: [text equals hello, mine equals true]
`))
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Checks[1].spec.(eventCheck)
	if deps := plan.Checks[1].deps(); len(deps) != 1 || deps[0] != "send" {
		t.Errorf("deps %q, want [send]", deps)
	}
	if got, want := c.describe(), `a message event in the chat with Bob with text equals "hello"; mine equals true`; got != want {
		t.Errorf("describe: %q, want %q", got, want)
	}
	inGroup := browser.Event{Kind: browser.EventMessage, Group: "g", GroupID: "@@g", From: "Bob", FromID: "@bob", ToID: "@@g", Text: "hello", Mine: true}
	toBob := browser.Event{Kind: browser.EventMessage, To: "Bob", ToID: "@bob", FromID: "@me", Text: "hello", Mine: true}
	for _, tc := range []struct {
		ev           browser.Event
		id, name     string
		wantMismatch string
	}{
		{toBob, "@bob", "", ""},
		{toBob, "", "Bob", ""},
		{inGroup, "@@g", "", ""},
		{inGroup, "", "g", ""},
		{inGroup, "@bob", "", "in another chat"}, // Bob said it in a group, not to the user
		{browser.Event{Kind: browser.EventGroupChange, GroupID: "@@g"}, "@@g", "", "event = group-change"},
		{browser.Event{Kind: browser.EventMessage, FromID: "@eve", ToID: "@me"}, "@bob", "", "in another chat"},
	} {
		if got := c.mismatch(tc.ev, tc.id, tc.name); got != tc.wantMismatch {
			t.Errorf("%s with chat %q%q: mismatch %q, want %q", eventLine(tc.ev), tc.id, tc.name, got, tc.wantMismatch)
		}
	}
	doc := eventDoc(toBob)
	for _, a := range c.expect {
		if err := a.check(doc); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	if err := c.expect[0].check(eventDoc(browser.Event{Kind: browser.EventMessage, Text: "bye"})); err == nil || !strings.Contains(err.Error(), `text = "bye", want "hello"`) {
		t.Errorf("text bye: %v", err)
	}
}

func TestEventNearText(t *testing.T) {
	if got := nearText(nil); got != "; no event came at all" {
		t.Errorf("no events: %q", got)
	}
	near := []nearEvent{
		{browser.Event{Kind: browser.EventMessage, From: "Eve", To: "me", Type: "text", Text: "hi"}, "in another chat"},
		{browser.Event{Kind: browser.EventGroupChange, Group: "g", Changes: []string{"topic"}}, "event = group-change"},
	}
	want := "; the last 2 that came instead:\n        message from Eve to me text: \"hi\" (in another chat)\n        group-change of g changes topic (event = group-change)"
	if got := nearText(near); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestReadmePlanParses: the plan README's smoke section shows, every check
// type in it, is a plan the parser takes.
func TestReadmePlanParses(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(smokeDir, "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Smoke checks in CI\n")
	_, block, ok2 := strings.Cut(section, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no yaml block in its smoke section")
	}
	plan, err := ParsePlan("README.md", []byte(block))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range plan.Checks {
		have[c.Type] = true
	}
	for _, typ := range checkTypeNames() {
		if !have[typ] {
			t.Errorf("the README's plan has no %s check", typ)
		}
	}
}
