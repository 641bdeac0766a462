package smoke

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// jsonPath is a path into a JSON value: BaseResponse.Ret,
// MemberList[0].UserName, MemberList[-1].UserName (the last),
// MemberList[].UserName (every element), ["odd key"].x. "" and "$" are the
// whole value; a leading "$." is allowed, as JSONPath writes it.
type jsonPath struct {
	src   string
	steps []pathStep
}

// pathStep is one step of a jsonPath: a key, an index, or every element.
type pathStep struct {
	key   string
	index int
	kind  stepKind
}

type stepKind int

const (
	stepKey stepKind = iota
	stepIndex
	stepEach
)

func (p jsonPath) String() string {
	if p.src == "" {
		return "$"
	}
	return p.src
}

// parsePath parses the path language of assertions and schemas.
func parsePath(src string) (jsonPath, error) {
	p := jsonPath{src: src}
	if strings.TrimSpace(src) != src {
		return p, errors.New("a path has no spaces around it")
	}
	s := strings.TrimPrefix(strings.TrimPrefix(src, "$"), ".")
	for first := true; s != ""; first = false {
		var st pathStep
		var err error
		switch {
		case s[0] == '[':
			st, s, err = bracketStep(s)
		case s[0] == '.' && !first:
			st.key, s, err = plainKey(s[1:])
		case first:
			st.key, s, err = plainKey(s)
		default:
			err = fmt.Errorf("expected . or [ before %q", s)
		}
		if err != nil {
			return p, err
		}
		p.steps = append(p.steps, st)
	}
	return p, nil
}

// plainKey reads a key up to the next . [ or ].
func plainKey(s string) (key, rest string, err error) {
	end := strings.IndexAny(s, ".[]")
	if end < 0 {
		end = len(s)
	}
	key, rest = s[:end], s[end:]
	switch {
	case key == "":
		return "", "", errors.New("a . must be followed by a key")
	case strings.ContainsAny(key, " \t\n\"'"):
		return "", "", fmt.Errorf("key %q: write keys with spaces or quotes as [\"key\"]", key)
	case strings.HasPrefix(rest, "]"):
		return "", "", errors.New("a ] without its [")
	}
	return key, rest, nil
}

// bracketStep reads [N], [] or ["key"] at the start of s.
func bracketStep(s string) (pathStep, string, error) {
	if strings.HasPrefix(s, `["`) {
		key, rest, err := quotedKey(s[1:])
		return pathStep{kind: stepKey, key: key}, rest, err
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return pathStep{}, "", errors.New("a [ without its ]")
	}
	inner, rest := s[1:end], s[end+1:]
	if inner == "" {
		return pathStep{kind: stepEach}, rest, nil
	}
	i, err := strconv.Atoi(inner)
	if err != nil {
		return pathStep{}, "", fmt.Errorf("[%s]: between [ ] goes an index (0, 1, -1 for the last), nothing (every element) or a quoted key", inner)
	}
	return pathStep{kind: stepIndex, index: i}, rest, nil
}

// quotedKey reads `"key"]` at the start of s (a JSON string, so \" works).
func quotedKey(s string) (key, rest string, err error) {
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&key); err != nil {
		return "", "", errors.New(`["…"] needs a quoted key ending in "]`)
	}
	rest = s[dec.InputOffset():]
	if !strings.HasPrefix(rest, "]") {
		return "", "", errors.New(`["…"] needs a ] after the quoted key`)
	}
	return key, rest[1:], nil
}

// found is one place a path leads to. When ok is false, the value is not
// there and why says where the path stopped.
type found struct {
	where string // the concrete path: MemberList[1].UserName
	value any
	ok    bool
	why   string
}

// eval follows the path in v (as decoded by encoding/json). A [] step
// fans out over every element; over an empty array it leads nowhere.
func (p jsonPath) eval(v any) []found {
	cur := []found{{where: "", value: v, ok: true}}
	for _, st := range p.steps {
		var next []found
		for _, f := range cur {
			if !f.ok {
				next = append(next, f)
				continue
			}
			next = append(next, step(f, st)...)
		}
		cur = next
	}
	for i := range cur {
		if cur[i].where == "" {
			cur[i].where = "$"
		}
	}
	return cur
}

func step(f found, st pathStep) []found {
	at := f.where
	if at == "" {
		at = "$"
	}
	switch st.kind {
	case stepKey:
		where := joinKey(f.where, st.key)
		obj, isObj := f.value.(map[string]any)
		if !isObj {
			return []found{{where: where, why: fmt.Sprintf("%s is %s, not an object", at, describeKind(f.value))}}
		}
		x, ok := obj[st.key]
		if !ok {
			return []found{{where: where, why: where + " is missing"}}
		}
		return []found{{where: where, value: x, ok: true}}
	case stepIndex:
		where := fmt.Sprintf("%s[%d]", f.where, st.index)
		arr, isArr := f.value.([]any)
		if !isArr {
			return []found{{where: where, why: fmt.Sprintf("%s is %s, not an array", at, describeKind(f.value))}}
		}
		i := st.index
		if i < 0 {
			i += len(arr)
		}
		if i < 0 || i >= len(arr) {
			return []found{{where: where, why: fmt.Sprintf("%s has %d elements", at, len(arr))}}
		}
		return []found{{where: fmt.Sprintf("%s[%d]", f.where, i), value: arr[i], ok: true}}
	default:
		arr, isArr := f.value.([]any)
		if !isArr {
			return []found{{where: f.where + "[]", why: fmt.Sprintf("%s is %s, not an array", at, describeKind(f.value))}}
		}
		if len(arr) == 0 {
			return []found{{where: f.where + "[]", why: at + " is an empty array"}}
		}
		out := make([]found, len(arr))
		for i, x := range arr {
			out[i] = found{where: fmt.Sprintf("%s[%d]", f.where, i), value: x, ok: true}
		}
		return out
	}
}

func joinKey(where, key string) string {
	if strings.ContainsAny(key, ".[] \"") {
		q, _ := json.Marshal(key)
		return where + "[" + string(q) + "]"
	}
	if where == "" {
		return key
	}
	return where + "." + key
}

// JSON kinds, as type: and schemas name them.
const (
	kindString  = "string"
	kindNumber  = "number"
	kindInteger = "integer" // a number without a fraction
	kindBool    = "bool"
	kindObject  = "object"
	kindArray   = "array"
	kindNull    = "null"
	kindAny     = "any"
)

var kindNames = []string{kindString, kindNumber, kindInteger, kindBool, kindObject, kindArray, kindNull, kindAny}

// kindOf is the JSON kind of a value decoded by encoding/json.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return kindNull
	case string:
		return kindString
	case float64:
		return kindNumber
	case bool:
		return kindBool
	case map[string]any:
		return kindObject
	case []any:
		return kindArray
	}
	return fmt.Sprintf("%T", v)
}

func describeKind(v any) string {
	switch k := kindOf(v); k {
	case kindArray, kindObject:
		return "an " + k
	case kindNull:
		return "null"
	default:
		return "a " + k
	}
}

// typeSpec is a type in an assertion or a schema: one kind, kinds joined
// with | (string|null), and a trailing ? for a field that may be absent.
type typeSpec struct {
	src      string
	kinds    []string
	optional bool
}

func parseTypeSpec(src string) (typeSpec, error) {
	t := typeSpec{src: src}
	s := strings.TrimSpace(src)
	if strings.HasSuffix(s, "?") {
		t.optional, s = true, strings.TrimSpace(strings.TrimSuffix(s, "?"))
	}
	for _, k := range strings.Split(s, "|") {
		k = strings.TrimSpace(k)
		if k == "boolean" {
			k = kindBool
		}
		if !slices.Contains(kindNames, k) {
			return t, fmt.Errorf("unknown type %q (known: %s; join with |, end with ? for may-be-absent)%s",
				k, strings.Join(kindNames, ", "), suggestion(k, kindNames))
		}
		t.kinds = append(t.kinds, k)
	}
	return t, nil
}

func (t typeSpec) matches(v any) bool {
	got := kindOf(v)
	for _, k := range t.kinds {
		switch {
		case k == kindAny, k == got:
			return true
		case k == kindInteger && got == kindNumber:
			if f := v.(float64); f == math.Trunc(f) {
				return true
			}
		}
	}
	return false
}

func (t typeSpec) String() string { return strings.Join(t.kinds, "|") }

// assertion is one expectation on a value: a path and one or more of
// equals, in, exists, matches, type. Every value the path leads to must
// satisfy all of them.
type assertion struct {
	line    int
	path    jsonPath
	equals  any // normalized (see normalizeJSON); valid when hasEq
	hasEq   bool
	in      []any // normalized
	exists  *bool
	matches *regexp.Regexp
	typ     *typeSpec
}

// assertOps are the operators of an assertion.
var assertOps = []string{"equals", "in", "exists", "matches", "type"}

// String writes the assertion as its one-line form.
func (a assertion) String() string {
	var parts []string
	if a.hasEq {
		parts = append(parts, "equals "+compactJSON(a.equals))
	}
	if a.in != nil {
		parts = append(parts, "in "+compactJSON(a.in))
	}
	if a.exists != nil {
		parts = append(parts, "exists "+strconv.FormatBool(*a.exists))
	}
	if a.matches != nil {
		parts = append(parts, "matches "+a.matches.String())
	}
	if a.typ != nil {
		parts = append(parts, "type "+a.typ.String())
	}
	return a.path.String() + " " + strings.Join(parts, ", ")
}

// check returns nil when v satisfies the assertion, else why not.
func (a assertion) check(v any) error {
	founds := a.path.eval(v)
	if a.exists != nil && !*a.exists {
		for _, f := range founds {
			if f.ok {
				return fmt.Errorf("%s = %s, want it absent", f.where, Clip(compactJSON(f.value), 80))
			}
		}
		return nil
	}
	for _, f := range founds {
		if !f.ok {
			if a.typ != nil && a.typ.optional {
				continue
			}
			return fmt.Errorf("%s: %s", a.path, f.why)
		}
		if err := a.checkValue(f); err != nil {
			return err
		}
	}
	return nil
}

// checkValue checks one value the path led to. Messages write the value
// as "PATH = VALUE" so that browser.Redact masks it when PATH ends in a
// secret's name (BaseRequest.Skey = ***).
func (a assertion) checkValue(f found) error {
	got := Clip(compactJSON(f.value), 80)
	if a.typ != nil && !a.typ.matches(f.value) {
		return fmt.Errorf("%s = %s (%s), want type %s", f.where, got, describeKind(f.value), a.typ)
	}
	if a.hasEq && !reflect.DeepEqual(f.value, a.equals) {
		return fmt.Errorf("%s = %s, want %s", f.where, got, Clip(compactJSON(a.equals), 80))
	}
	if a.in != nil && !slices.ContainsFunc(a.in, func(x any) bool { return reflect.DeepEqual(f.value, x) }) {
		return fmt.Errorf("%s = %s, want one of %s", f.where, got, Clip(compactJSON(a.in), 80))
	}
	if a.matches != nil {
		s, isString := f.value.(string)
		if !isString {
			return fmt.Errorf("%s = %s (%s), want a string matching %s", f.where, got, describeKind(f.value), a.matches)
		}
		if !a.matches.MatchString(s) {
			return fmt.Errorf("%s = %s, want a match of %s", f.where, got, a.matches)
		}
	}
	return nil
}

// assertions reads an expect: list. Each item is either one line,
// "PATH OP VALUE" (BaseResponse.Ret in [0, -2013]; ChatRoomName matches ^@@;
// MemberList exists), or a mapping {path, equals, in, exists, matches, type}.
func (p *planParser) assertions(f *fieldMap, name string) ([]assertion, error) {
	n, ok := f.vals[name]
	if !ok {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errorf(n, "%s: %s: must be a list of assertions (- PATH OP VALUE)", f.what, name)
	}
	var out []assertion
	for _, item := range n.Content {
		item = deref(item)
		var a assertion
		var err error
		switch item.Kind {
		case yaml.ScalarNode:
			a, err = p.assertionLine(item)
		case yaml.MappingNode:
			a, err = p.assertionMap(item)
		default:
			err = p.errorf(item, "an assertion is one line (PATH OP VALUE) or a mapping with path:, not %s", nodeKind(item))
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// assertionLine parses "PATH OP [VALUE]".
func (p *planParser) assertionLine(n *yaml.Node) (assertion, error) {
	a := assertion{line: n.Line}
	pathSrc, rest := cutSpace(n.Value)
	op, rest := cutSpace(rest)
	if op == "" {
		return a, p.errorf(n, "assertion %q: write PATH OP VALUE, with OP one of %s", Clip(n.Value, 60), strings.Join(assertOps, ", "))
	}
	path, err := parsePath(pathSrc)
	if err != nil {
		return a, p.errorf(n, "assertion %q: path %q: %v", Clip(n.Value, 60), pathSrc, err)
	}
	a.path = path
	if op == "==" {
		op = "equals"
	}
	bad := func(format string, args ...any) (assertion, error) {
		return a, p.errorf(n, "assertion %q: %s", Clip(n.Value, 60), fmt.Sprintf(format, args...))
	}
	switch op {
	case "equals", "in":
		if rest == "" {
			return bad("%s needs a value", op)
		}
		var vn yaml.Node
		if err := yaml.Unmarshal([]byte(rest), &vn); err != nil || len(vn.Content) == 0 {
			return bad("the value %q is not a YAML value (quote strings with special characters)", rest)
		}
		vn.Content[0].Line = n.Line
		return a, p.setOp(&a, op, vn.Content[0], n)
	case "exists":
		t := true
		switch rest {
		case "", "true":
		case "false":
			t = false
		default:
			return bad("exists takes true, false or nothing, not %q", rest)
		}
		a.exists = &t
	case "matches":
		re, err := regexp.Compile(rest)
		if err != nil || rest == "" {
			return bad("matches needs a regular expression: %v", err)
		}
		a.matches = re
	case "type":
		t, err := parseTypeSpec(rest)
		if err != nil {
			return bad("%v", err)
		}
		a.typ = &t
	default:
		return bad("unknown operator %q (known: %s)%s", op, strings.Join(assertOps, ", "), suggestion(op, assertOps))
	}
	return a, nil
}

// cutSpace splits s at its first run of white space, trimming both parts.
func cutSpace(s string) (head, tail string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// assertionMap parses {path: P, equals: V, in: [..], exists: B, matches: RE, type: T}.
func (p *planParser) assertionMap(n *yaml.Node) (assertion, error) {
	a := assertion{line: n.Line}
	f, err := p.mapping(n, "an assertion")
	if err != nil {
		return a, err
	}
	if err := f.allow("an assertion", append([]string{"path"}, assertOps...)...); err != nil {
		return a, err
	}
	src, err := f.str("path", false)
	if err != nil {
		return a, err
	}
	if _, ok := f.vals["path"]; !ok {
		return a, p.errorf(n, "an assertion needs path: (the whole value is path: $)")
	}
	if a.path, err = parsePath(src); err != nil {
		return a, p.errorf(f.vals["path"], "path %q: %v", src, err)
	}
	ops := 0
	for _, op := range assertOps {
		v, ok := f.vals[op]
		if !ok {
			continue
		}
		ops++
		if err := p.setOp(&a, op, v, v); err != nil {
			return a, err
		}
	}
	if ops == 0 {
		return a, p.errorf(n, "assertion on %s: give at least one of %s", a.path, strings.Join(assertOps, ", "))
	}
	return a, nil
}

// setOp sets operator op of a from the YAML value v; at is where errors point.
func (p *planParser) setOp(a *assertion, op string, v, at *yaml.Node) error {
	switch op {
	case "equals":
		x, err := p.jsonValue(v)
		if err != nil {
			return err
		}
		a.equals, a.hasEq = x, true
	case "in":
		x, err := p.jsonValue(v)
		if err != nil {
			return err
		}
		list, ok := x.([]any)
		if !ok || len(list) == 0 {
			return p.errorf(at, "in: needs a non-empty list of values, such as [0, -2013]")
		}
		a.in = list
	case "exists":
		var b bool
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&b) != nil {
			return p.errorf(at, "exists: must be true or false")
		}
		a.exists = &b
	case "matches":
		if v.Kind != yaml.ScalarNode {
			return p.errorf(at, "matches: must be a regular expression")
		}
		re, err := regexp.Compile(v.Value)
		if err != nil {
			return p.errorf(at, "matches: %v", err)
		}
		a.matches = re
	case "type":
		if v.Kind != yaml.ScalarNode {
			return p.errorf(at, "type: must be a type name such as string or number|null")
		}
		t, err := parseTypeSpec(v.Value)
		if err != nil {
			return p.errorf(at, "type: %v", err)
		}
		a.typ = &t
	}
	return nil
}

// jsonValue reads a YAML value and normalizes it to what encoding/json
// decodes, so that it compares equal to values from the page.
func (p *planParser) jsonValue(n *yaml.Node) (any, error) {
	v, err := p.value(n, false)
	if err != nil {
		return nil, err
	}
	return normalizeJSON(v)
}

// normalizeJSON makes v look as encoding/json decodes JSON: float64 numbers,
// map[string]any, []any.
func normalizeJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// compactJSON writes v as one line of JSON.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// schema lists the fields a JSON body must have, each with its type.
// Fields the body has beyond those are fine: web WeChat adding a field
// breaks nothing.
type schema struct {
	name   string // "create-request" for a ready-made one, "" for the plan's own
	fields []schemaField
}

type schemaField struct {
	path jsonPath
	typ  typeSpec
}

// problems lists how body (JSON) differs from the schema.
func (s schema) problems(body json.RawMessage) []string {
	var doc any
	if len(body) == 0 {
		return []string{"there is no body"}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return []string{"the body is not JSON: " + err.Error()}
	}
	var out []string
	for _, f := range s.fields {
		for _, at := range f.path.eval(doc) {
			if problem := f.problem(at); problem != "" {
				out = append(out, problem)
				break // one problem per field is enough
			}
		}
	}
	return out
}

// problem says what is wrong with one place the field's path leads to, or "".
func (f schemaField) problem(at found) string {
	switch {
	case !at.ok && !f.typ.optional:
		return fmt.Sprintf("%s: %s", f.path, at.why)
	case at.ok && !f.typ.matches(at.value):
		return fmt.Sprintf("%s = %s (%s), want %s", at.where, Clip(compactJSON(at.value), 40), describeKind(at.value), f.typ)
	}
	return ""
}

// schemaMap parses a mapping of path → type.
func (p *planParser) schemaMap(n *yaml.Node, what string) (schema, error) {
	var s schema
	f, err := p.mapping(n, what)
	if err != nil {
		return s, err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		v := f.vals[k.Value]
		path, err := parsePath(k.Value)
		if err != nil {
			return s, p.errorf(k, "%s: path %q: %v", what, k.Value, err)
		}
		if v.Kind != yaml.ScalarNode {
			return s, p.errorf(v, "%s: %s: must be a type name such as string, number or string|null", what, k.Value)
		}
		t, err := parseTypeSpec(v.Value)
		if err != nil {
			return s, p.errorf(v, "%s: %s: %v", what, k.Value, err)
		}
		s.fields = append(s.fields, schemaField{path: path, typ: t})
	}
	return s, nil
}
