package smoke

import (
	"fmt"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/wxctl/wxctl/browser"
)

// Check types of a smoke plan.
const (
	checkReady    = "ready"
	checkService  = "service"
	checkLoggedIn = "logged-in"
	checkCall     = "call"
	checkNetwork  = "network"
	checkEval     = "eval"
	checkEvent    = "event"
)

// defaultCheckTimeout is a check's timeout when neither the check nor the
// plan sets one: long enough for the real site to load on a slow runner.
const defaultCheckTimeout = 30 * time.Second

// maxPlanNodes bounds the YAML values a plan may expand to. Aliases make a
// small file stand for a huge tree ("billion laughs"); a plan never needs
// more than a few thousand values.
const maxPlanNodes = 100_000

// Plan is a smoke plan: named checks run in order in one browser session.
type Plan struct {
	File    string        // the file it was read from, for messages and reports
	Name    string        // the plan's name; the file name when the plan has none
	URL     string        // the page to open, unless --url or --sandbox says otherwise
	Timeout time.Duration // each check's timeout unless the check sets its own
	// Retries is how often a read-only check runs again after it failed
	// (retries:); a check's own retries: wins over it. See Check.Retries.
	Retries int
	Checks  []*Check
}

// Check is one named check of a plan.
type Check struct {
	Name    string
	Type    string
	Line    int           // where the check starts in the plan file
	Timeout time.Duration // always set: the check's, the plan's or the default
	// Retries is the check's own retries:, -1 when it has none. Only a
	// check that sets it runs again when it changes something (call,
	// eval): the plan's and --retries' count reach read-only checks only.
	Retries int
	// Needs are the checks that must pass before this one runs; deps adds
	// the checks whose results it reads.
	Needs []string
	spec  checkSpec
}

// deps are every check this one depends on: needs, plus the checks whose
// results or calls it reads.
func (c *Check) deps() []string {
	out := slices.Clone(c.Needs)
	for _, d := range c.spec.refs() {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// PlanError is a problem in a plan file, at a line (1-based).
type PlanError struct {
	File string
	Line int
	Msg  string
}

func (e *PlanError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// checkType describes one check type: the fields it takes besides the
// common ones (name, type, timeout, needs) and how to read them.
type checkType struct {
	fields []string
	parse  func(p *planParser, f *fieldMap) (checkSpec, error)
}

// checkTypes are the check types a plan may use.
var checkTypes = map[string]checkType{
	checkReady:    {nil, parseReadyCheck},
	checkService:  {[]string{"service", "methods", "fields"}, parseServiceCheck},
	checkLoggedIn: {[]string{"want"}, parseLoggedInCheck},
	checkCall:     {[]string{"service", "method", "args", "resolved", "expect", "wait"}, parseCallCheck},
	checkNetwork:  {[]string{"endpoint", "query", "after", "status", "schema", "request", "response"}, parseNetworkCheck},
	checkEval:     {[]string{"expr", "equals", "resolved", "expect", "wait"}, parseEvalCheck},
	checkEvent:    {[]string{"event", "after", "chat", "expect"}, parseEventCheck},
}

var commonCheckFields = []string{"name", "type", "timeout", "needs", "retries"}

// MaxRetries bounds retries: and --retries: a check that fails more often than this is
// broken, not flaky.
const MaxRetries = 10

// ReadPlan reads and parses a plan file. Every problem, a missing file
// included, is a usage error (exit 2) naming the file.
func ReadPlan(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	plan, err := ParsePlan(path, data)
	if err != nil {
		return nil, fmt.Errorf("invalid plan: %w", err)
	}
	return plan, nil
}

// ParsePlan parses a plan. Errors are *PlanError, with the line.
func ParsePlan(file string, data []byte) (*Plan, error) {
	p := &planParser{file: file, budget: maxPlanNodes}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, data, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &PlanError{File: file, Line: 1, Msg: "the plan is empty: it needs a checks: list"}
	}
	doc := deref(root.Content[0])
	f, err := p.mapping(doc, "the plan")
	if err != nil {
		return nil, err
	}
	if err := f.allow("the plan", "name", "url", "timeout", "retries", "checks"); err != nil {
		return nil, err
	}
	plan := &Plan{File: file, Timeout: defaultCheckTimeout}
	if plan.Name, err = f.str("name", false); err != nil {
		return nil, err
	}
	if plan.Name == "" {
		plan.Name = file
	}
	if plan.URL, err = f.str("url", false); err != nil {
		return nil, err
	}
	if d, err := f.duration("timeout"); err != nil {
		return nil, err
	} else if d > 0 {
		plan.Timeout = d
	}
	if plan.Retries, err = f.count("retries", MaxRetries); err != nil {
		return nil, err
	} else if plan.Retries < 0 {
		plan.Retries = 0
	}
	list, ok := f.vals["checks"]
	if !ok {
		return nil, p.errorf(doc, "the plan has no checks: list")
	}
	if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		return nil, p.errorf(list, "checks: must be a non-empty list of checks")
	}
	seen := map[string]*Check{}
	for _, n := range list.Content {
		c, err := p.check(deref(n), plan.Timeout)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[c.Name]; dup {
			return nil, p.errorf(n, "duplicate check name %q (line %d has it already): names must be unique", c.Name, prev.Line)
		}
		seen[c.Name] = c
		plan.Checks = append(plan.Checks, c)
	}
	if err := p.checkRefs(plan, seen); err != nil {
		return nil, err
	}
	return plan, nil
}

// checkRefs makes sure every check named by needs, after or a result
// reference exists and comes earlier: checks run in plan order.
func (p *planParser) checkRefs(plan *Plan, byName map[string]*Check) error {
	index := map[string]int{}
	for i, c := range plan.Checks {
		index[c.Name] = i
	}
	for i, c := range plan.Checks {
		for _, r := range p.refs[c] {
			j, ok := index[r.name]
			switch {
			case !ok:
				return &PlanError{File: p.file, Line: r.line, Msg: fmt.Sprintf("check %q: %s names %q, which is not a check of this plan%s",
					c.Name, r.field, r.name, suggestion(r.name, slices.Sorted(maps.Keys(index))))}
			case j == i:
				return &PlanError{File: p.file, Line: r.line, Msg: fmt.Sprintf("check %q: %s names itself", c.Name, r.field)}
			case j > i:
				return &PlanError{File: p.file, Line: r.line, Msg: fmt.Sprintf("check %q: %s names %q, which comes later (line %d): checks run in plan order",
					c.Name, r.field, r.name, plan.Checks[j].Line)}
			}
			if r.result {
				if t := byName[r.name].Type; t != checkCall && t != checkEval {
					return &PlanError{File: p.file, Line: r.line, Msg: fmt.Sprintf("check %q: result: %q is a %s check; only call and eval checks have a result",
						c.Name, r.name, t)}
				}
			}
		}
	}
	return nil
}

// planParser carries what parsing one plan needs: the file name for
// errors, the budget of YAML values, and the references between checks to
// verify once all names are known.
type planParser struct {
	file   string
	budget int
	refs   map[*Check][]checkRef
	cur    *Check // the check being parsed, that references belong to
}

// checkRef is a mention of another check by name.
type checkRef struct {
	name   string
	field  string // "needs", "after", "result"
	line   int
	result bool // the check's result is read: it must be a call or eval
}

func (p *planParser) addRef(r checkRef) {
	if p.refs == nil {
		p.refs = map[*Check][]checkRef{}
	}
	p.refs[p.cur] = append(p.refs[p.cur], r)
}

func (p *planParser) errorf(n *yaml.Node, format string, args ...any) *PlanError {
	return &PlanError{File: p.file, Line: max(n.Line, 1), Msg: fmt.Sprintf(format, args...)}
}

// check parses one entry of checks:.
func (p *planParser) check(n *yaml.Node, planTimeout time.Duration) (*Check, error) {
	f, err := p.mapping(n, "a check")
	if err != nil {
		return nil, err
	}
	c := &Check{Line: n.Line, Timeout: planTimeout}
	p.cur = c
	if c.Name, err = f.str("name", true); err != nil {
		return nil, err
	}
	what := fmt.Sprintf("check %q", c.Name)
	if c.Type, err = f.str("type", true); err != nil {
		return nil, err
	}
	t, ok := checkTypes[c.Type]
	if !ok {
		return nil, p.errorf(f.vals["type"], "%s: unknown check type %q (known: %s)%s", what, c.Type,
			strings.Join(checkTypeNames(), ", "), suggestion(c.Type, checkTypeNames()))
	}
	if err := f.allow(what+" (type "+c.Type+")", append(slices.Clone(commonCheckFields), t.fields...)...); err != nil {
		return nil, err
	}
	if d, err := f.duration("timeout"); err != nil {
		return nil, err
	} else if d > 0 {
		c.Timeout = d
	}
	if c.Retries, err = f.count("retries", MaxRetries); err != nil {
		return nil, err
	}
	needs, lines, err := f.strList("needs")
	if err != nil {
		return nil, err
	}
	for i, name := range needs {
		c.Needs = append(c.Needs, name)
		p.addRef(checkRef{name: name, field: "needs", line: lines[i]})
	}
	f.what = what
	if c.spec, err = t.parse(p, f); err != nil {
		return nil, err
	}
	return c, nil
}

func checkTypeNames() []string {
	return slices.Sorted(maps.Keys(checkTypes))
}

// deref follows a YAML alias to the node it stands for.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// fieldMap is a YAML mapping read as named fields, with the nodes kept for
// line numbers.
type fieldMap struct {
	p    *planParser
	what string // "check \"x\"", for messages
	node *yaml.Node
	keys map[string]*yaml.Node
	vals map[string]*yaml.Node
}

// mapping reads n as a mapping with unique scalar keys.
func (p *planParser) mapping(n *yaml.Node, what string) (*fieldMap, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errorf(n, "%s must be a mapping (key: value lines), not %s", what, nodeKind(n))
	}
	f := &fieldMap{p: p, what: what, node: n, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, p.errorf(k, "%s: keys must be plain names", what)
		}
		if prev, dup := f.keys[k.Value]; dup {
			return nil, p.errorf(k, "%s: %s: is given twice (also on line %d)", what, k.Value, prev.Line)
		}
		f.keys[k.Value], f.vals[k.Value] = k, v
	}
	return f, nil
}

// allow refuses keys other than known, suggesting the closest one.
func (f *fieldMap) allow(what string, known ...string) error {
	for i := 0; i < len(f.node.Content); i += 2 {
		k := deref(f.node.Content[i])
		if !slices.Contains(known, k.Value) {
			return f.p.errorf(k, "%s: unknown field %q (known: %s)%s", what, k.Value,
				strings.Join(known, ", "), suggestion(k.Value, known))
		}
	}
	return nil
}

// str reads a scalar field as a string.
func (f *fieldMap) str(name string, required bool) (string, error) {
	v, ok := f.vals[name]
	if !ok {
		if required {
			return "", f.p.errorf(f.node, "%s: %s: is missing", f.what, name)
		}
		return "", nil
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		return "", f.p.errorf(v, "%s: %s: must be a single value, not %s", f.what, name, nodeKind(v))
	}
	if required && strings.TrimSpace(v.Value) == "" {
		return "", f.p.errorf(v, "%s: %s: is empty", f.what, name)
	}
	return v.Value, nil
}

// duration reads a field such as "20s" or "1m30s"; 0 when absent.
func (f *fieldMap) duration(name string) (time.Duration, error) {
	v, ok := f.vals[name]
	if !ok {
		return 0, nil
	}
	s, err := f.str(name, true)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, f.p.errorf(v, "%s: %s: %q is not a positive duration (write it with a unit: 20s, 1m30s)", f.what, name, s)
	}
	return d, nil
}

// count reads a whole number from 0 to most; -1 when absent.
func (f *fieldMap) count(name string, most int) (int, error) {
	v, ok := f.vals[name]
	if !ok {
		return -1, nil
	}
	n, err := strconv.Atoi(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil || n < 0 || n > most {
		return 0, f.p.errorf(v, "%s: %s: %q is not a whole number from 0 to %d", f.what, name, v.Value, most)
	}
	return n, nil
}

// boolean reads a true/false field.
func (f *fieldMap) boolean(name string) (value, present bool, err error) {
	v, ok := f.vals[name]
	if !ok {
		return false, false, nil
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		return false, false, f.p.errorf(v, "%s: %s: must be true or false", f.what, name)
	}
	if err := v.Decode(&value); err != nil {
		return false, false, f.p.errorf(v, "%s: %s: must be true or false", f.what, name)
	}
	return value, true, nil
}

// strList reads a field that is one string or a list of strings, with the
// line of each.
func (f *fieldMap) strList(name string) ([]string, []int, error) {
	v, ok := f.vals[name]
	if !ok {
		return nil, nil, nil
	}
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = v.Content
	}
	var out []string
	var lines []int
	for _, n := range items {
		n = deref(n)
		if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" || strings.TrimSpace(n.Value) == "" {
			return nil, nil, f.p.errorf(n, "%s: %s: must be a name or a list of names", f.what, name)
		}
		out = append(out, n.Value)
		lines = append(lines, max(n.Line, 1))
	}
	return out, lines, nil
}

// nodeKind names what a node is, for messages.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("the value %q", Clip(n.Value, 40))
	}
	return "nothing"
}

// MemberRef in call arguments stands for the UserName of a friend, found
// by name as the CLI's --member does: {member: Rain1ove}.
type MemberRef struct {
	Name string
}

// resultRef in call arguments stands for a value from an earlier check's
// result: {result: create a group, path: ChatRoomName}.
type resultRef struct {
	Check string
	Path  jsonPath
}

// value turns a YAML node into a JSON-able Go value: maps with string
// keys, slices, strings, bool, nil, int64 and float64. With refs, the
// mappings {member: NAME} and {result: CHECK, path: PATH} become
// MemberRef and resultRef.
func (p *planParser) value(n *yaml.Node, refs bool) (any, error) {
	if p.budget--; p.budget < 0 {
		return nil, p.errorf(n, "the plan expands to more than %d values (aliases?)", maxPlanNodes)
	}
	n = deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		return p.scalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := p.value(item, refs)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		f, err := p.mapping(n, "a value")
		if err != nil {
			return nil, err
		}
		if refs {
			if ref, ok, err := p.ref(f); ok || err != nil {
				return ref, err
			}
		}
		out := make(map[string]any, len(f.vals))
		for k, v := range f.vals {
			x, err := p.value(v, refs)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	}
	return nil, p.errorf(n, "unsupported YAML value")
}

// ref reads {member: NAME} or {result: CHECK[, path: PATH]}; ok is false
// for any other mapping.
func (p *planParser) ref(f *fieldMap) (any, bool, error) {
	f.what = "a reference"
	switch {
	case len(f.vals) == 1 && f.vals["member"] != nil:
		name, err := f.str("member", true)
		return MemberRef{Name: name}, true, err
	case f.vals["result"] != nil && len(f.vals) <= 2 && (len(f.vals) == 1 || f.vals["path"] != nil):
		name, err := f.str("result", true)
		if err != nil {
			return nil, true, err
		}
		src, err := f.str("path", false)
		if err != nil {
			return nil, true, err
		}
		path, err := parsePath(src)
		if err != nil {
			return nil, true, p.errorf(f.vals["path"], "path %q: %v", src, err)
		}
		p.addRef(checkRef{name: name, field: "result", line: f.vals["result"].Line, result: true})
		return resultRef{Check: name, Path: path}, true, nil
	}
	return nil, false, nil
}

func (p *planParser) scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		err := n.Decode(&b)
		return b, p.decodeErr(n, err)
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64 // beyond int64: JSON has only one number type anyway
		err := n.Decode(&f)
		return f, p.decodeErr(n, err)
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, p.decodeErr(n, err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, p.errorf(n, "%s is not a JSON number", n.Value)
		}
		return f, nil
	case "!!str", "!!timestamp", "!!binary":
		// A timestamp or base64 text stays the text it is: JSON has no
		// such types, and the app compares strings.
		return n.Value, nil
	}
	return nil, p.errorf(n, "unsupported YAML tag %s: values must be JSON-like", n.Tag)
}

func (p *planParser) decodeErr(n *yaml.Node, err error) error {
	if err == nil {
		return nil
	}
	return p.errorf(n, "bad value %q", Clip(n.Value, 40))
}

// yamlLine finds "line N" in a YAML library error.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// maxProbedLines bounds brokenLine's search: it parses every prefix.
const maxProbedLines = 1000

// yamlError turns a YAML syntax error into a *PlanError. The library's
// line is where the enclosing construct began (and is left out on the
// first line), often well before the problem, so the line is also found by
// parsing growing prefixes of the text: the first that fails ends at or
// before the problem. The later of the two is the closer.
func yamlError(file string, data []byte, err error) *PlanError {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	ends := lineEnds(data)
	line = min(max(line, brokenLine(data, ends), 1), max(len(ends), 1))
	return &PlanError{File: file, Line: line, Msg: "not valid YAML: " + msg}
}

// brokenLine is the number of lines of the shortest prefix of data that
// does not parse, or 0 when that is not known.
func brokenLine(data []byte, ends []int) int {
	for n, end := range ends[:min(len(ends), maxProbedLines)] {
		var node yaml.Node
		if yaml.Unmarshal(data[:end], &node) != nil {
			return n + 1
		}
	}
	return 0
}

// lineEnds are the offsets where each line of data ends (after its line
// break), with the line breaks YAML knows: \n, \r\n, \r, NEL, LS and PS.
func lineEnds(data []byte) []int {
	var ends []int
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		i += size
		switch r {
		case '\r':
			if i < len(data) && data[i] == '\n' {
				i++
			}
			fallthrough
		case '\n', '\u0085', '\u2028', '\u2029':
			ends = append(ends, i)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] < len(data) {
		ends = append(ends, len(data))
	}
	return ends
}

// suggestion is ` (did you mean "x"?)` when a known name is close to got.
func suggestion(got string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := browser.EditDistance(strings.ToLower(got), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// Clip shortens s to n runes for a message.
func Clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
