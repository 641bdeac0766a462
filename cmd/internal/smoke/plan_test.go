package smoke

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// smokeDir holds the ready-made plans.
const smokeDir = "../../../testdata/smoke"

func TestParseShippedPlans(t *testing.T) {
	for _, tc := range []struct {
		file   string
		checks int
		types  []string
	}{
		{"sandbox-contract.yaml", 26, []string{checkReady, checkLoggedIn, checkService, checkCall, checkNetwork, checkEval, checkEvent}},
		{"real-site.yaml", 8, []string{checkReady, checkService, checkEval}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(smokeDir, tc.file)
			plan, err := ReadPlan(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Checks) != tc.checks {
				t.Errorf("%d checks, want %d", len(plan.Checks), tc.checks)
			}
			have := map[string]bool{}
			for _, c := range plan.Checks {
				have[c.Type] = true
				if c.Line < 1 || c.Timeout <= 0 {
					t.Errorf("check %q: line %d, timeout %s", c.Name, c.Line, c.Timeout)
				}
			}
			for _, typ := range tc.types {
				if !have[typ] {
					t.Errorf("no %s check", typ)
				}
			}
		})
	}
}

func TestParsePlanDefaults(t *testing.T) {
	plan, err := ParsePlan("p.yaml", []byte(`
timeout: 5s
checks:
  - name: up
    type: ready
    timeout: 1m
  - name: flag
    type: eval
    expr: 1 + 1
    equals: 2
    needs: up
`))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Name != "p.yaml" {
		t.Errorf("name %q, want the file name", plan.Name)
	}
	if got := plan.Checks[0].Timeout; got != time.Minute {
		t.Errorf("ready timeout %s, want its own 1m", got)
	}
	if got := plan.Checks[1].Timeout; got != 5*time.Second {
		t.Errorf("eval timeout %s, want the plan's 5s", got)
	}
	if got := plan.Checks[1].Needs; len(got) != 1 || got[0] != "up" {
		t.Errorf("needs %q, want [up] (one name without a list)", got)
	}
	if plan.Checks[0].Line != 4 || plan.Checks[1].Line != 7 {
		t.Errorf("lines %d, %d, want 4, 7", plan.Checks[0].Line, plan.Checks[1].Line)
	}
	plan, err = ParsePlan("p.yaml", []byte("checks: [{name: a, type: ready}]"))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Checks[0].Timeout != defaultCheckTimeout {
		t.Errorf("timeout %s, want the default %s", plan.Checks[0].Timeout, defaultCheckTimeout)
	}
}

func TestParseCallArgs(t *testing.T) {
	plan, err := ParsePlan("p.yaml", []byte(`
checks:
  - name: create
    type: call
    service: chatroomFactory
    method: create
    args: [[{UserName: {member: Rain1ove}}, {UserName: {member: Bob}}], 12345678901, 1.5, null, true]
  - name: topic
    type: call
    service: chatroomFactory
    method: modTopic
    args: [{result: create, path: ChatRoomName}, "weekend"]
    needs: [create]
`))
	if err != nil {
		t.Fatal(err)
	}
	create := plan.Checks[0].spec.(callCheck)
	list := create.args[0].([]any)
	if got := list[1].(map[string]any)["UserName"]; got != (MemberRef{Name: "Bob"}) {
		t.Errorf("member ref %#v", got)
	}
	if create.args[1] != int64(12345678901) || create.args[2] != 1.5 || create.args[3] != nil || create.args[4] != true {
		t.Errorf("scalars %#v", create.args[1:])
	}
	topic := plan.Checks[1].spec.(callCheck)
	ref, ok := topic.args[0].(resultRef)
	if !ok || ref.Check != "create" || ref.Path.String() != "ChatRoomName" {
		t.Errorf("result ref %#v", topic.args[0])
	}
	if deps := plan.Checks[1].deps(); len(deps) != 1 || deps[0] != "create" {
		t.Errorf("deps %q, want [create] once", deps)
	}
}

func TestParseNetworkCheck(t *testing.T) {
	plan, err := ParsePlan("p.yaml", []byte(`
checks:
  - name: go
    type: eval
    expr: 1
  - name: topic request
    type: network
    endpoint: /cgi-bin/mmwebwx-bin/webwxupdatechatroom?fun=modtopic
    after: go
    status: 200
    schema: [create-request, batchget-response]
    request: {NewTopic: string, "MemberList[].UserName": "string?"}
`))
	if err != nil {
		t.Fatal(err)
	}
	n := plan.Checks[1].spec.(networkCheck)
	if n.endpoint != "webwxupdatechatroom" || n.query.Get("fun") != "modtopic" || n.after != "go" {
		t.Errorf("network check %+v", n)
	}
	if len(n.request) != 2 || len(n.response) != 1 || n.request[0].name != "create-request" {
		t.Errorf("schemas: %d request, %d response", len(n.request), len(n.response))
	}
	if f := n.request[1].fields[1]; !f.typ.optional || f.path.String() != "MemberList[].UserName" {
		t.Errorf("inline schema field %+v", f)
	}
}

// invalidPlans are plans that must be refused, with the line of the
// problem and a word of the reason. FuzzParsePlan starts from them too.
var invalidPlans = []struct {
	name, plan string
	line       int
	reason     string
}{
	{"empty", "", 1, "empty"},
	{"not a mapping", "- a\n- b\n", 1, "mapping"},
	{"bad YAML", "checks:\n  - name: a\n    type: ready\n  bad: [\n", 4, "not valid YAML"},
	{"tab indent", "checks:\n  - name: a\n\t type: ready\n", 3, "YAML"},
	{"control character", "checks:\n  - name: a\n    type: re\x01ady\n", 3, "YAML"},
	{"invalid UTF-8", "name: ok\nchecks:\n  - name: \xff\n", 3, "YAML"},
	{"no checks", "name: x\n", 1, "no checks"},
	{"empty checks", "checks: []\n", 1, "non-empty"},
	{"unknown top field", "checks: [{name: a, type: ready}]\nchekcs: 1\n", 2, `unknown field "chekcs"`},
	{"unknown check type", "checks:\n  - name: a\n    type: servce\n", 3, `unknown check type "servce"`},
	{"missing name", "checks:\n  - type: ready\n", 2, "name: is missing"},
	{"missing type", "checks:\n  - name: a\n", 2, "type: is missing"},
	{"missing service", "checks:\n  - name: a\n    type: service\n    methods: [create]\n", 2, "service: is missing"},
	{"missing expr", "checks:\n  - name: a\n    type: eval\n", 2, "expr: is missing"},
	{"missing endpoint", "checks:\n  - name: a\n    type: network\n", 2, "endpoint: is missing"},
	{"missing method", "checks:\n  - name: a\n    type: call\n    service: x\n", 2, "method: is missing"},
	{"field of another type", "checks:\n  - name: a\n    type: ready\n    service: x\n", 4, `unknown field "service"`},
	{"duplicate name", "checks:\n  - name: a\n    type: ready\n  - name: a\n    type: ready\n", 4, "duplicate check name"},
	{"duplicate key", "checks:\n  - name: a\n    type: ready\n    type: eval\n", 4, "given twice"},
	{"needs unknown", "checks:\n  - name: a\n    type: ready\n  - name: b\n    type: ready\n    needs: [c]\n", 6, `names "c", which is not a check`},
	{"needs later", "checks:\n  - name: a\n    type: ready\n    needs: [b]\n  - name: b\n    type: ready\n", 4, "comes later"},
	{"needs itself", "checks:\n  - name: a\n    type: ready\n    needs: a\n", 4, "itself"},
	{"bad timeout", "checks:\n  - name: a\n    type: ready\n    timeout: 20\n", 4, "duration"},
	{"bad method", "checks:\n  - name: a\n    type: service\n    service: s\n    methods:\n      - create/x\n", 6, "NAME/ARITY"},
	{"bad operator", "checks:\n  - name: a\n    type: eval\n    expr: 1\n    expect:\n      - x equal 1\n", 6, `unknown operator "equal"`},
	{"bad regexp", "checks:\n  - name: a\n    type: eval\n    expr: 1\n    expect:\n      - x matches (\n", 6, "regular expression"},
	{"bad path", "checks:\n  - name: a\n    type: eval\n    expr: 1\n    expect:\n      - path: a[x]\n        exists: true\n", 6, "index"},
	{"assertion without op", "checks:\n  - name: a\n    type: eval\n    expr: 1\n    expect:\n      - path: a\n", 6, "at least one"},
	{"in without list", "checks:\n  - name: a\n    type: eval\n    expr: 1\n    expect:\n      - x in 3\n", 6, "list"},
	{"unknown type", "checks:\n  - name: a\n    type: network\n    endpoint: e\n    response:\n      Ret: int\n", 6, `unknown type "int"`},
	{"unknown schema", "checks:\n  - name: a\n    type: network\n    endpoint: e\n    schema: create-answer\n", 5, "no ready-made schema"},
	{"result of a ready check", "checks:\n  - name: a\n    type: ready\n  - name: b\n    type: call\n    service: s\n    method: m\n    args: [{result: a}]\n", 8, "only call and eval"},
	{"args not a list", "checks:\n  - name: a\n    type: call\n    service: s\n    method: m\n    args: {x: 1}\n", 6, "must be a list"},
	{"bad status", "checks:\n  - name: a\n    type: network\n    endpoint: e\n    status: ok\n", 5, "HTTP status"},
	{"bad want", "checks:\n  - name: a\n    type: logged-in\n    want: yes please\n", 4, "true or false"},
	{"check not a mapping", "checks:\n  - ready\n", 2, "mapping"},
	{"infinite number", "checks:\n  - name: a\n    type: eval\n    expr: 1\n    equals: .inf\n", 5, "not a JSON number"},
	{"event without after", "checks:\n  - name: a\n    type: eval\n    expr: 1\n  - name: b\n    type: event\n    event: message\n", 5, `check "b": after: is missing: an event check waits`},
	{"event after unknown", "checks:\n  - name: send\n    type: eval\n    expr: 1\n  - name: b\n    type: event\n    event: message\n    after: sned\n", 8, `check "b": after names "sned", which is not a check of this plan (did you mean "send"?)`},
	{"event after later", "checks:\n  - name: b\n    type: event\n    event: message\n    after: send\n  - name: send\n    type: eval\n    expr: 1\n", 5, `after names "send", which comes later (line 6)`},
	{"event after itself", "checks:\n  - name: b\n    type: event\n    event: message\n    after: b\n", 5, `after names itself`},
	{"event without kind", "checks:\n  - name: b\n    type: event\n    after: b\n", 2, `event: is missing: the kind of event to wait for (message, group-change`},
	{"event of unknown kind", "checks:\n  - name: b\n    type: event\n    event: mesage\n    after: b\n", 4, `unknown event "mesage" (known: message, group-change, contact-change, session-ended) (did you mean "message"?)`},
	{"event in a list of chats", "checks:\n  - name: a\n    type: eval\n    expr: 1\n  - name: b\n    type: event\n    event: message\n    after: a\n    chat: [x, y]\n", 9, `chat: must be a name, {member: NAME} or {result: CHECK, path: PATH}`},
	{"event chat of a network check", "checks:\n  - name: a\n    type: network\n    endpoint: webwxinit\n  - name: b\n    type: event\n    event: message\n    after: a\n    chat: {result: a}\n", 9, `result: "a" is a network check`},
	{"event with a bad assertion", "checks:\n  - name: a\n    type: eval\n    expr: 1\n  - name: b\n    type: event\n    event: message\n    after: a\n    expect: [text equal hi]\n", 9, `equal`},
}

func TestParsePlanErrors(t *testing.T) {
	for _, tc := range invalidPlans {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePlan("bad.yaml", []byte(tc.plan))
			var pe *PlanError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *PlanError", err)
			}
			if pe.Line != tc.line || pe.File != "bad.yaml" || !strings.Contains(pe.Msg, tc.reason) {
				t.Errorf("got %q (line %d), want line %d and %q", err, pe.Line, tc.line, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), "bad.yaml:") {
				t.Errorf("%q does not start with the file", err)
			}
		})
	}
}

func TestParsePlanSuggests(t *testing.T) {
	_, err := ParsePlan("p.yaml", []byte("checks:\n  - name: a\n    type: service\n    service: s\n    metods: [x]\n"))
	if err == nil || !strings.Contains(err.Error(), `did you mean "methods"`) {
		t.Errorf("got %v, want a suggestion of methods", err)
	}
}

func TestParsePlanAliasBomb(t *testing.T) {
	// Each anchor doubles the one before: 2^30 values if expanded naively.
	items := []string{"&a0 [x, x]"}
	for i := 1; i <= 30; i++ {
		items = append(items, fmt.Sprintf("&a%d [*a%d, *a%d]", i, i-1, i-1))
	}
	plan := "checks:\n  - name: a\n    type: eval\n    expr: 1\n    equals: [" + strings.Join(items, ", ") + "]\n"
	_, err := ParsePlan("p.yaml", []byte(plan))
	var pe *PlanError
	if !errors.As(err, &pe) || pe.Line != 5 || !strings.Contains(pe.Msg, "expands") {
		t.Fatalf("error %v, want a *PlanError on line 5 about the expansion", err)
	}
}

func TestReadPlanMissingFile(t *testing.T) {
	_, err := ReadPlan(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("got %v, want an error naming the file", err)
	}
}

// FuzzParsePlan feeds the parser arbitrary text: it must never panic, and
// every refusal must be a *PlanError with a line inside the text.
func FuzzParsePlan(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(smokeDir, "*.yaml"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	for _, tc := range invalidPlans {
		f.Add([]byte(tc.plan))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		plan, err := ParsePlan("fuzz.yaml", data)
		if err == nil {
			if len(plan.Checks) == 0 {
				t.Fatal("a plan without checks was accepted")
			}
			return
		}
		var pe *PlanError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *PlanError", err, err)
		}
		if lines := len(lineEnds(data)) + 1; pe.Line < 1 || pe.Line > lines {
			t.Fatalf("line %d outside the text's 1..%d: %v", pe.Line, lines, err)
		}
	})
}

func TestLineEnds(t *testing.T) {
	for in, want := range map[string]int{"": 1, "a": 1, "a\n": 1, "a\nb": 2, "a\r\nb\rc": 3, "a\u2028b\u0085c\n": 3} {
		if got := len(lineEnds([]byte(in))); got != want {
			t.Errorf("lineEnds(%q): %d lines, want %d", in, got, want)
		}
	}
}
