package batch

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxctl/wxctl/browser"
)

// batchTestdata is where the plan fixtures (and the fuzz seeds) live.
var batchTestdata = filepath.Join("..", "..", "..", "testdata", "batch")

func TestParseBatchPlan(t *testing.T) {
	teams := []Group{
		{Line: 3, Topic: "Hikers", Members: []string{"Rain1ove", "迴焘願點"}},
		{Line: 4, Topic: "Book Club, Tuesdays", Members: []string{"Bob", "Carol"}},
		{Line: 5, Topic: "Lunch", Members: []string{"Dave", "Eve", "Frank"}},
	}
	tests := []struct {
		file string
		want []Group
	}{
		{"teams.csv", teams},
		{"teams.yaml", []Group{
			{Line: 2, Topic: "Hikers", Members: []string{"Rain1ove", "迴焘願點"}},
			{Line: 4, Topic: "Book Club, Tuesdays", Members: []string{"Bob", "Carol"}},
			{Line: 8, Topic: "Lunch 🎉", Members: []string{"Dave", "Eve", "Frank", "12345"}},
		}},
		{"crlf-no-header.csv", []Group{
			{Line: 1, Topic: "Weekend", Members: []string{"Rain1ove", "Bob"}},
			{Line: 2, Topic: `Quote "Q" team`, Members: []string{"alice_w", "Boss"}},
		}},
		{"bom.csv", []Group{{Line: 2, Topic: "BOM", Members: []string{"Bob", "Carol"}}}},
		{"sniffed-yaml.plan", []Group{{Line: 1, Topic: "No extension", Members: []string{"Bob", "Carol"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := readBatchPlan(filepath.Join(batchTestdata, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseBatchPlanSniffsCSV(t *testing.T) {
	got, err := parseBatchPlan("plan.txt", []byte("A, Bob , Carol\n\nB,Dave,Eve"))
	want := []Group{{Line: 1, Topic: "A", Members: []string{"Bob", "Carol"}}, {Line: 3, Topic: "B", Members: []string{"Dave", "Eve"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	// A group whose topic is "topic" is a group, not a header, when its
	// other cells are not member headings.
	got, err = parseBatchPlan("plan.csv", []byte("topic,Bob,Carol\n"))
	if err != nil || len(got) != 1 || got[0].Topic != "topic" {
		t.Errorf("got %+v, %v; want the group named topic", got, err)
	}
}

func TestParseBatchPlanErrors(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"bad-quote.csv", "bad-quote.csv:2:"},
		{"bad-alias.yaml", "anchors and aliases"},
		{"bad-key.yaml", `bad-key.yaml:2: unknown key "member"`},
		// Spreadsheets save CSV in the system's encoding: the topic would be
		// created as mojibake that never matches the plan again.
		{"gbk.csv", "gbk.csv:4: not UTF-8 text (byte 0xd6)"},
		{"gbk.csv", "iconv -f GBK -t UTF-8 ../../../testdata/batch/gbk.csv > ../../../testdata/batch/gbk-utf8.csv"},
		{"gbk.yaml", "gbk.yaml:3: not UTF-8 text"},
		{"utf16.csv", "utf16.csv:1: the plan is UTF-16 text"},
	}
	for _, tt := range tests {
		_, err := readBatchPlan(filepath.Join(batchTestdata, tt.file))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.file, err, tt.want)
		}
		if !errors.Is(err, browser.ErrBadInput) {
			t.Errorf("%s: %v, want bad input", tt.file, err)
		}
	}
	for data, want := range map[string]string{
		"topic: A\nmembers: [B, C]\n":    "a plan is a list of groups",
		"- topic: [A]\n  members: [B]\n": "topic is a text",
		"- topic: A\n  members: B\n":     "members is a list",
		"- just a name\n":                "a group is a mapping",
		"- topic: A\n  members: [[B]]\n": "a member is a name",
		"- topic: A\n  members: [B\n":    "not a YAML plan",
	} {
		if _, err := parseBatchPlan("p.yaml", []byte(data)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", data, err, want)
		}
	}
	if _, err := readBatchPlan(filepath.Join(t.TempDir(), "missing.csv")); !errors.Is(err, browser.ErrBadInput) {
		t.Errorf("missing plan: %v, want bad input", err)
	}
}

func TestCheckBatchPlan(t *testing.T) {
	groups := []Group{
		{Line: 1, Topic: "A", Members: []string{"Bob", "Carol"}},
		{Line: 2, Topic: "A", Members: []string{"Dave", "Eve"}},
		{Line: 3, Topic: "", Members: []string{"Bob", "Carol"}},
		{Line: 4, Topic: "Solo", Members: []string{"Bob"}},
		{Line: 5, Topic: "Twice", Members: []string{"Bob", "Bob", "Carol"}},
	}
	var got []string
	for _, p := range checkBatchPlan(groups) {
		got = append(got, p.String())
	}
	want := []string{
		`line 2 "A": the same topic as line 1: topics must differ`,
		`line 3: no topic: every group needs one (wxctl finds groups again by topic)`,
		`line 4 "Solo": a group needs at least 2 members besides you, got 1`,
		`line 5 "Twice": "Bob" is listed twice`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p := checkBatchPlan(nil); len(p) != 1 || !strings.Contains(p[0].Problem, "no groups") {
		t.Errorf("empty plan: %v", p)
	}
	err := &PlanError{File: "p.csv", Problems: checkBatchPlan(groups)}
	if !errors.Is(err, browser.ErrBadInput) || !strings.Contains(err.Error(), "4 problems") {
		t.Errorf("%v: want bad input", err)
	}
}

// FuzzParseBatchPlan feeds the parser arbitrary files, named as CSV, as
// YAML and without an extension. It must never panic; what it accepts must
// be well formed, and must come back the same through a CSV written from
// it (the form people edit plans in).
func FuzzParseBatchPlan(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(batchTestdata, "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"plan.csv", "plan.yaml", "plan"} {
			groups, err := parseBatchPlan(name, data)
			if err != nil {
				var serr *batchSyntaxError
				if !errors.As(err, &serr) {
					t.Fatalf("%s: error %v is not a syntax error", name, err)
				}
				continue
			}
			checkParsedPlan(t, name, groups)
			if !utf8.Valid(data) {
				t.Fatalf("%s: a plan that is not UTF-8 was accepted", name)
			}
		}
	})
}

func checkParsedPlan(t *testing.T, name string, groups []Group) {
	t.Helper()
	line := 0
	for _, g := range groups {
		if g.Line < 1 || (strings.HasSuffix(name, ".csv") && g.Line <= line) {
			t.Fatalf("%s: line %d after %d", name, g.Line, line)
		}
		line = g.Line
		if g.Topic != strings.TrimSpace(g.Topic) {
			t.Fatalf("%s: topic %q is not trimmed", name, g.Topic)
		}
		for _, m := range g.Members {
			if m == "" || m != strings.TrimSpace(m) {
				t.Fatalf("%s: member %q is empty or not trimmed", name, m)
			}
		}
	}
	if slices.ContainsFunc(groups, func(g Group) bool { return strings.ContainsRune(csvText(g), '\r') }) {
		return // CSV turns \r\n inside quotes into \n: no exact round trip
	}
	again, err := parseBatchPlan("again.csv", []byte(writeCSVPlan(groups)))
	if err != nil {
		t.Fatalf("%s: the CSV written from the plan does not parse: %v", name, err)
	}
	if len(again) != len(groups) {
		t.Fatalf("%s: %d groups, %d after a CSV round trip", name, len(groups), len(again))
	}
	for i := range groups {
		if again[i].Topic != groups[i].Topic || !slices.Equal(again[i].Members, groups[i].Members) {
			t.Fatalf("%s: group %d %+v became %+v", name, i, groups[i], again[i])
		}
	}
}

func csvText(g Group) string { return g.Topic + strings.Join(g.Members, "") }

// writeCSVPlan writes groups as a CSV plan with a header and every cell
// quoted, so that no cell reads as a comment or a header.
func writeCSVPlan(groups []Group) string {
	var b strings.Builder
	b.WriteString("topic,member\n")
	for _, g := range groups {
		cells := append([]string{g.Topic}, g.Members...)
		for i, c := range cells {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + strings.ReplaceAll(c, `"`, `""`) + `"`)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
