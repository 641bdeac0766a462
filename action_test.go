package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"

	"github.com/wxctl/wxctl/cmd"
)

// The files the action and CI live in.
const (
	actionFile   = "action.yml"
	workflowFile = ".github/workflows/ci.yml"
)

// lint runs actionlint, as make lint does, over one workflow whose content
// is given, in this repository (so that `uses: ./` reads action.yml).
// Shellcheck stays off: the result must not depend on what the machine has.
func lint(t *testing.T, path string, content []byte) []*actionlint.Error {
	t.Helper()
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	project, err := actionlint.NewProject(root)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(path, content, project)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

// TestWorkflowsLint: the repository's workflows pass actionlint, and the
// action they use has the metadata actionlint checks through them.
func TestWorkflowsLint(t *testing.T) {
	files, err := filepath.Glob(".github/workflows/*.y*ml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range lint(t, f, b) {
			t.Errorf("%s:%d:%d: %s [%s]", f, e.Line, e.Column, e.Message, e.Kind)
		}
	}
}

// TestBrokenWorkflowFailsLint: a typo in the workflow, in its use of the
// action or in the action's metadata fails actionlint, so that it fails the
// build.
func TestBrokenWorkflowFailsLint(t *testing.T) {
	good, err := os.ReadFile(workflowFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"key", "runs-on: ubuntu-latest", "runs-onn: ubuntu-latest", `unexpected key "runs-onn"`},
		{"action input", "plan: testdata/", "plann: testdata/", `input "plann" is not defined`},
		{"expression", "uses: ./\n", "uses: ./\n        if: ${{ github.evnt_name == 'push' }}\n", `property "evnt_name" is not defined`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken := strings.Replace(string(good), tc.from, tc.to, 1)
			if broken == string(good) {
				t.Fatalf("%q is not in %s", tc.from, workflowFile)
			}
			errs := lint(t, workflowFile, []byte(broken))
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Message)
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tc.want) {
				t.Errorf("actionlint said %q, want an error with %q", msgs, tc.want)
			}
		})
	}
}

// actionMeta is the part of action.yml that the checks below read.
type actionMeta struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Inputs      map[string]struct {
		Description string  `yaml:"description"`
		Required    bool    `yaml:"required"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Name  string            `yaml:"name"`
			Run   string            `yaml:"run"`
			Uses  string            `yaml:"uses"`
			Shell string            `yaml:"shell"`
			If    string            `yaml:"if"`
			With  map[string]string `yaml:"with"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// The contexts and functions a composite action's expressions may use.
var (
	actionContexts  = []string{"github", "inputs", "steps", "runner", "env", "job", "strategy", "matrix"}
	actionFunctions = []string{"always", "success", "failure", "cancelled", "contains", "startsWith", "endsWith", "format", "join", "toJSON", "fromJSON", "hashFiles"}
	expression      = regexp.MustCompile(`\$\{\{(.*?)\}\}`)
	identifier      = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_-]*)\s*([.(]?)`)
	quoted          = regexp.MustCompile(`'(?:[^']|'')*'`)
)

// checkAction finds in action.yml what actionlint does not look at (it
// lints workflows, and of a local action only the metadata a workflow
// uses): the composite's steps and expressions.
func checkAction(src []byte) []string {
	var a actionMeta
	if err := yaml.Unmarshal(src, &a); err != nil {
		return []string{"not YAML: " + err.Error()}
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if a.Name == "" || a.Description == "" {
		bad("name and description are required")
	}
	if a.Runs.Using != "composite" || len(a.Runs.Steps) == 0 {
		bad("runs.using is %q with %d steps, want a composite with steps", a.Runs.Using, len(a.Runs.Steps))
	}
	for _, in := range []string{"plan", "url", "sandbox", "junit", "html", "artifacts", "har"} {
		if _, ok := a.Inputs[in]; !ok {
			bad("input %q is missing", in)
		}
	}
	for name, in := range a.Inputs {
		if in.Description == "" {
			bad("input %q has no description", name)
		}
		if in.Required && in.Default != nil && *in.Default != "" {
			bad("input %q is required and has a default", name)
		}
	}
	ids := map[string]bool{}
	for i, s := range a.Runs.Steps {
		if (s.Run == "") == (s.Uses == "") {
			bad("step %d (%s) needs one of run and uses", i+1, s.Name)
		}
		if s.Run != "" && s.Shell == "" {
			bad("step %d (%s) runs a script without shell, which a composite action requires", i+1, s.Name)
		}
		if s.Uses != "" && !regexp.MustCompile(`^[\w.-]+/[\w.-]+(/[\w./-]+)?@[\w.-]+$`).MatchString(s.Uses) {
			bad("step %d (%s) uses %q, want owner/repo@version", i+1, s.Name, s.Uses)
		}
		if s.ID != "" {
			ids[s.ID] = true
		}
	}
	used := map[string]bool{}
	for _, m := range expression.FindAllStringSubmatch(string(src), -1) {
		expr := quoted.ReplaceAllString(m[1], "''")
		for _, id := range identifier.FindAllStringSubmatch(expr, -1) {
			// Only the first word of a property chain names a context.
			at := strings.Index(expr, id[0])
			if at > 0 && expr[at-1] == '.' {
				continue
			}
			switch id[2] {
			case "(":
				if !slices.Contains(actionFunctions, id[1]) {
					bad("%s: unknown function %s()", strings.TrimSpace(m[0]), id[1])
				}
			case ".":
				if !slices.Contains(actionContexts, id[1]) {
					bad("%s: unknown context %q", strings.TrimSpace(m[0]), id[1])
				}
			}
		}
		for _, ref := range regexp.MustCompile(`\binputs\.([\w-]+)`).FindAllStringSubmatch(expr, -1) {
			used[ref[1]] = true
			if _, ok := a.Inputs[ref[1]]; !ok {
				bad("%s: input %q is not declared", strings.TrimSpace(m[0]), ref[1])
			}
		}
		for _, ref := range regexp.MustCompile(`\bsteps\.([\w-]+)\.`).FindAllStringSubmatch(expr, -1) {
			if !ids[ref[1]] {
				bad("%s: no step has id %q", strings.TrimSpace(m[0]), ref[1])
			}
		}
	}
	for name := range a.Inputs {
		if !used[name] {
			bad("input %q is declared but never used", name)
		}
	}
	slices.Sort(errs)
	return errs
}

// TestAction checks action.yml's composite steps and expressions, and
// that a typo in them fails.
func TestAction(t *testing.T) {
	src, err := os.ReadFile(actionFile)
	if err != nil {
		t.Fatal(err)
	}
	if errs := checkAction(src); len(errs) > 0 {
		t.Fatalf("%s:\n%s", actionFile, strings.Join(errs, "\n"))
	}
	for _, tc := range []struct{ from, to, want string }{
		{"${{ inputs.plan }}", "${{ inputs.plna }}", `input "plna" is not declared`},
		{"steps.smoke.outputs", "stepz.smoke.outputs", `unknown context "stepz"`},
		{"steps.smoke.outputs", "steps.smok.outputs", `no step has id "smok"`},
		{"      shell: bash\n      working-directory", "      working-directory", "without shell"},
		{"if: failure()", "if: ${{ failur() }}", "unknown function failur()"},
	} {
		broken := strings.Replace(string(src), tc.from, tc.to, 1)
		if broken == string(src) {
			t.Fatalf("%q is not in %s", tc.from, actionFile)
		}
		if errs := checkAction([]byte(broken)); !strings.Contains(strings.Join(errs, "\n"), tc.want) {
			t.Errorf("replacing %q: %q, want an error with %q", tc.from, errs, tc.want)
		}
	}
}

// TestActionFlags: every flag the action passes to wxctl smoke is one of
// its flags.
func TestActionFlags(t *testing.T) {
	src, err := os.ReadFile(actionFile)
	if err != nil {
		t.Fatal(err)
	}
	var smoke []string
	for _, c := range cmd.NewApp().Commands {
		if c.Name == "smoke" {
			for _, f := range c.Flags {
				smoke = append(smoke, f.Names()...)
			}
		}
	}
	passed := regexp.MustCompile(`args\+=\((--[\w-]+)`).FindAllStringSubmatch(string(src), -1)
	if len(passed) < 6 {
		t.Fatalf("found %d flags passed in %s", len(passed), actionFile)
	}
	for _, m := range passed {
		name := strings.TrimPrefix(m[1], "--")
		if !slices.Contains(smoke, name) {
			t.Errorf("the action passes %s, which wxctl smoke lacks", m[1])
		}
	}
}

// TestReadmeWorkflowLints: the workflow the README shows passes actionlint.
func TestReadmeWorkflowLints(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(name: web WeChat smoke\n.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README shows no workflow named web WeChat smoke")
	}
	if !strings.Contains(string(m[1]), "uses: wxctl/wxctl@") {
		t.Error("the README's workflow does not use the action")
	}
	for _, e := range lint(t, ".github/workflows/readme.yml", m[1]) {
		t.Errorf("README workflow:%d:%d: %s [%s]", e.Line, e.Column, e.Message, e.Kind)
	}
}
