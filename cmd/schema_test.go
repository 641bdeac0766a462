package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wxctl/wxctl/sandbox"
)

// schemaDir holds a JSON Schema of each command's --json output.
const schemaDir = "../testdata/schema"

// schemaRun is one run of a command whose output a schema checks.
type schemaRun struct {
	schema string   // file name in schemaDir, without .json
	args   []string // after the sandbox flags
	ok     bool     // whether the run succeeds
}

// schemaFor compiles the schema of a command's output.
func schemaFor(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	path, err := filepath.Abs(filepath.Join(schemaDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jsonschema.NewCompiler().Compile(path)
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	return s
}

// checkSchema validates stdout, one JSON document or JSON lines, against
// the command's schema and checks its envelope against the run's end.
func checkSchema(t *testing.T, run schemaRun, code int, stdout, stderr string) {
	t.Helper()
	s := schemaFor(t, run.schema)
	dec := json.NewDecoder(strings.NewReader(stdout))
	n := 0
	var last map[string]any
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Errorf("%q: stdout is not JSON (%v):\n%s", run.args, err, stdout)
			return
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("%q: output %d does not fit %s.json: %v\n%s", run.args, n, run.schema, err, raw)
		}
		last = nil
		_ = json.Unmarshal(raw, &last)
		n++
	}
	if n == 0 {
		t.Errorf("%q: exit %d, no JSON on stdout; stderr %q", run.args, code, stderr)
		return
	}
	if (code == ExitOK) != run.ok {
		t.Errorf("%q: exit %d, want ok %v; stderr %q", run.args, code, run.ok, stderr)
	}
	if ok, _ := last["ok"].(bool); ok != (code == ExitOK) || last["exitCode"] != float64(code) {
		t.Errorf("%q: exit %d, but the output says ok %v, exitCode %v", run.args, code, last["ok"], last["exitCode"])
	}
}

// TestJSONSchemas runs every command with --json, succeeding and failing,
// and validates what it prints against its schema in testdata/schema.
func TestJSONSchemas(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
	plan := filepath.Join(t.TempDir(), "plan.csv")
	badPlan := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(plan, []byte("topic,member,member\nSchema Hike,Rain1ove,Dave\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(badPlan, []byte("topic,member\nAlone,Rain1ove\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runs := []schemaRun{
		{"login", []string{"login"}, true},
		{"status", []string{"status"}, true},
		{"contacts", []string{"contacts"}, true},
		{"room-create", []string{"room", "create", "-m", "Rain1ove", "-m", "Dave", "--topic", "Schema"}, true},
		{"room-create", []string{"room", "create", "-m", "Rain1ove"}, false},
		{"room-info", []string{"room", "info", "Book Club"}, true},
		{"room-info", []string{"room", "info", "No Such Club"}, false},
		{"room-add", []string{"room", "add", "Book Club", "--member", "Boss"}, true},
		{"room-add", []string{"room", "add", "Book Club", "--member", "Grace"}, false},
		{"room-remove", []string{"room", "remove", "Book Club", "--member", "Boss"}, true},
		{"room-topic", []string{"room", "topic", "Book Club", "Reading Club"}, true},
		{"send", []string{"send", "Reading Club", "hello"}, true},
		{"send", []string{"send", "Nobody Here", "hello"}, false},
		{"room-quit", []string{"room", "quit", "Reading Club"}, true},
		{"room-batch", []string{"room", "batch", "--interval", "0", plan}, true},
		{"room-batch", []string{"room", "batch", "--dry-run", plan}, true},
		{"room-batch", []string{"room", "batch", badPlan}, false},
		{"eval", []string{"eval", "1+1"}, true},
		{"eval", []string{"eval", "Promise.reject(new Error('no'))"}, false},
		{"call", []string{"call", "accountFactory", "getUserInfo"}, true},
		{"call", []string{"call", "chatRoomFactory", "create"}, false},
		{"smoke", []string{"smoke", filepath.Join(smokeDir, "sandbox-contract.yaml")}, true},
		{"logout", []string{"logout"}, true},
		{"status", []string{"status"}, false},
		{"room-create", []string{"room", "create", "-m", "Rain1ove", "-m", "Dave"}, false},
	}
	for _, run := range runs {
		args := append(append([]string{"--json"}, onSandbox(url)...), run.args...)
		code, stdout, stderr := runCLI(t, args...)
		checkSchema(t, run, code, stdout, stderr)
	}
	code, stdout, stderr := runCLI(t, "demo", "--json", "--chrome", chromePath, "--timeout", "60s")
	checkSchema(t, schemaRun{"demo", []string{"demo"}, true}, code, stdout, stderr)

	// Every command's early failures print the envelope alone, which its
	// schema takes too.
	seen := map[string]bool{}
	for _, run := range runs {
		if seen[run.schema] {
			continue
		}
		seen[run.schema] = true
		for _, bad := range [][]string{{"--timeout", "0"}, {"--url", "file:///etc/passwd"}, {"--nosuchflag"}} {
			args := slices.Concat([]string{"--json"}, bad, run.args)
			code, stdout, stderr := runCLI(t, args...)
			checkSchema(t, schemaRun{run.schema, args, false}, code, stdout, stderr)
		}
	}
}

// TestSchemasCoverCommands: every command that prints JSON has a schema,
// and every schema names a command.
func TestSchemasCoverCommands(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(schemaDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range files {
		have[strings.TrimSuffix(filepath.Base(f), ".json")] = true
	}
	delete(have, "envelope")
	delete(have, "defs")
	noJSON := map[string]bool{"sandbox": true, "completion": true, "man": true}
	for _, leaf := range leafCommands(NewApp().Commands, nil) {
		name := strings.Join(leaf.path, "-")
		if noJSON[name] {
			continue
		}
		if !have[name] {
			t.Errorf("no schema %s.json for wxctl %s", name, strings.Join(leaf.path, " "))
		}
		delete(have, name)
		schemaFor(t, name)
	}
	for name := range have {
		t.Errorf("schema %s.json names no command", name)
	}
}
