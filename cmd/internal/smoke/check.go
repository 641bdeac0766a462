package smoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/seedcmp"
	"github.com/wxctl/wxctl/scripts"
)

// checkSpec is what one check type does. Each type's parse and run live
// together below.
type checkSpec interface {
	// run performs the check on r's page within ctx. On success it may set
	// res.message (what it found) and res.value (a call's or eval's
	// result); an error is the reason it failed.
	run(ctx context.Context, r *Run, res *Result) error
	// refs are the earlier checks whose results or calls it reads: it is
	// skipped when one of them did not pass.
	refs() []string
}

// noRefs is embedded by check types that read no other check.
type noRefs struct{}

func (noRefs) refs() []string { return nil }

// --- ready ---

// readyCheck: the page becomes an AngularJS app within the check's
// timeout. The first ready check opens the page; a later one checks it is
// still an app.
type readyCheck struct{ noRefs }

func parseReadyCheck(*planParser, *fieldMap) (checkSpec, error) { return readyCheck{}, nil }

func (readyCheck) run(ctx context.Context, r *Run, res *Result) error {
	if !r.opened {
		if err := r.open(ctx); err != nil {
			return err
		}
		res.message = "AngularJS app running at " + r.url
		return nil
	}
	raw, err := r.Page.Run(ctx, scripts.Ready)
	if err != nil {
		return err
	}
	if string(raw) != "true" {
		return errors.New("the page is no longer an AngularJS app (no injector)")
	}
	res.message = "still an AngularJS app"
	return nil
}

// --- service ---

// serviceCheck: an injector service exists, with methods (of a given
// arity where one is given) and fields.
type serviceCheck struct {
	noRefs
	service string
	methods []methodSpec
	fields  []string
}

// methodSpec is "create" or "create/1": a method name and, optionally, the
// number of parameters its function declares (Function.length).
type methodSpec struct {
	name  string
	arity int // -1: any
}

func (m methodSpec) String() string {
	if m.arity < 0 {
		return m.name
	}
	return m.name + "/" + strconv.Itoa(m.arity)
}

var methodSpecRE = regexp.MustCompile(`^([A-Za-z_$][A-Za-z0-9_$]*)(?:/([0-9]{1,2}))?$`)

func parseServiceCheck(p *planParser, f *fieldMap) (checkSpec, error) {
	c := serviceCheck{}
	var err error
	if c.service, err = f.str("service", true); err != nil {
		return nil, err
	}
	methods, lines, err := f.strList("methods")
	if err != nil {
		return nil, err
	}
	for i, m := range methods {
		sub := methodSpecRE.FindStringSubmatch(m)
		if sub == nil {
			return nil, &PlanError{File: p.file, Line: lines[i], Msg: fmt.Sprintf("%s: methods: %q is not NAME or NAME/ARITY (create, create/1)", f.what, m)}
		}
		spec := methodSpec{name: sub[1], arity: -1}
		if sub[2] != "" {
			spec.arity, _ = strconv.Atoi(sub[2])
		}
		c.methods = append(c.methods, spec)
	}
	if c.fields, _, err = f.strList("fields"); err != nil {
		return nil, err
	}
	return c, nil
}

// serviceInfo is scripts.ServiceInfo's answer.
type serviceInfo struct {
	App     bool              `json:"app"`
	Found   bool              `json:"found"`
	Kind    string            `json:"kind"`
	Methods map[string]int    `json:"methods"`
	Fields  map[string]string `json:"fields"`
}

func (c serviceCheck) run(ctx context.Context, r *Run, res *Result) error {
	raw, err := r.Page.Run(ctx, scripts.ServiceInfo, c.service)
	if err != nil {
		return err
	}
	var info serviceInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return fmt.Errorf("reading the service: %w", err)
	}
	switch {
	case !info.App:
		return errors.New("the page has no AngularJS app (no injector)")
	case !info.Found:
		return fmt.Errorf("the app has no service %q: web WeChat may have renamed it", c.service)
	}
	var problems, have []string
	for _, m := range c.methods {
		n, ok := info.Methods[m.name]
		switch {
		case !ok:
			if _, isField := info.Fields[m.name]; isField {
				problems = append(problems, fmt.Sprintf("%s is a %s, not a method", m.name, info.Fields[m.name]))
			} else {
				problems = append(problems, fmt.Sprintf("no method %s%s", m.name, suggestion(m.name, sortedKeys(info.Methods))))
			}
		case m.arity >= 0 && n != m.arity:
			problems = append(problems, fmt.Sprintf("%s takes %d parameter%s, want %d", m.name, n, plural(n), m.arity))
		default:
			have = append(have, m.String())
		}
	}
	for _, name := range c.fields {
		if _, ok := info.Fields[name]; !ok {
			if _, isMethod := info.Methods[name]; !isMethod {
				problems = append(problems, fmt.Sprintf("no field %s%s", name, suggestion(name, sortedKeys(info.Fields))))
				continue
			}
		}
		have = append(have, name)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s", c.service, strings.Join(problems, "; "))
	}
	res.message = c.service + " is there"
	if len(have) > 0 {
		res.message = c.service + " has " + Clip(strings.Join(have, ", "), 160)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// --- logged-in ---

// loggedInCheck: the session is (want: true, the default) or is not
// (want: false) logged in. Logged in means what the app updates: its own
// user, loaded by webwxinit, with MMCgi.isLogin (which the server renders
// from the session cookies) as the server's word when the page loaded.
// After a log-in in the same page MMCgi.isLogin stays false, and the check
// still passes.
type loggedInCheck struct {
	noRefs
	want bool
}

func parseLoggedInCheck(_ *planParser, f *fieldMap) (checkSpec, error) {
	want, set, err := f.boolean("want")
	if !set {
		want = true
	}
	return loggedInCheck{want: want}, err
}

func (c loggedInCheck) run(ctx context.Context, r *Run, res *Result) error {
	acct, err := browser.CheckSession(ctx, r.Page)
	switch {
	case errors.Is(err, browser.ErrNotLoggedIn) && !c.want:
		res.message = "not logged in"
		return nil
	case err != nil && errors.Is(err, browser.ErrNotLoggedIn):
		return fmt.Errorf("not logged in (log in with this profile first): %w", err)
	case err != nil:
		return err
	case !c.want:
		return fmt.Errorf("logged in as %s, want logged out", browser.PlainName(acct.NickName))
	}
	res.message = fmt.Sprintf("logged in as %s (%s)", browser.PlainName(acct.NickName), browser.ShortUserName(acct.UserName))
	return nil
}

// --- call ---

// callCheck: calls a service method with JSON arguments and asserts on the
// settled value.
type callCheck struct {
	service, method string
	args            []any // may hold MemberRef and resultRef
	resolved        *bool
	expect          []assertion
	wait            bool
	deps            []string
}

func (c callCheck) refs() []string { return c.deps }

func parseCallCheck(p *planParser, f *fieldMap) (checkSpec, error) {
	c := callCheck{}
	var err error
	if c.service, err = f.str("service", true); err != nil {
		return nil, err
	}
	if c.method, err = f.str("method", true); err != nil {
		return nil, err
	}
	if n, ok := f.vals["args"]; ok {
		if n.Kind != yaml.SequenceNode {
			return nil, p.errorf(n, "%s: args: must be a list, one item per argument (args: [[{UserName: {member: Bob}}]])", f.what)
		}
		before := len(p.refs[p.cur])
		v, err := p.value(n, true)
		if err != nil {
			return nil, err
		}
		c.args = v.([]any)
		for _, r := range p.refs[p.cur][before:] {
			c.deps = append(c.deps, r.name)
		}
	}
	if c.resolved, c.expect, c.wait, err = p.outcomeFields(f); err != nil {
		return nil, err
	}
	return c, nil
}

// outcomeFields reads the fields call and eval share: resolved, expect
// and wait.
func (p *planParser) outcomeFields(f *fieldMap) (resolved *bool, expect []assertion, wait bool, err error) {
	if b, set, err := f.boolean("resolved"); err != nil {
		return nil, nil, false, err
	} else if set {
		resolved = &b
	}
	if expect, err = p.assertions(f, "expect"); err != nil {
		return nil, nil, false, err
	}
	wait, _, err = f.boolean("wait")
	return resolved, expect, wait, err
}

func (c callCheck) run(ctx context.Context, r *Run, res *Result) error {
	args, err := r.resolveArgs(ctx, c.args)
	if err != nil {
		return err
	}
	return until(ctx, c.wait, func() error {
		v, err := r.Page.Call(ctx, c.service, c.method, args.([]any)...)
		if err != nil {
			return err
		}
		res.value = v.Value
		return settled(res, v.Resolved, c.resolved, nil, false, c.expect)
	})
}

// waitInterval is how often a check with wait: true tries again.
const waitInterval = 100 * time.Millisecond

// until runs attempt once, or, with wait, again at waitInterval until it
// succeeds or ctx ends; then the last attempt's failure is the reason.
// Waiting is for state the app reaches a moment later (a QR code shown, a
// contact stored after its request): the page gets no event to wait on.
func until(ctx context.Context, wait bool, attempt func() error) error {
	err := attempt()
	if !wait || err == nil {
		return err
	}
	start := time.Now()
	tick := time.NewTicker(waitInterval)
	defer tick.Stop()
	for {
		if errors.Is(err, browser.ErrBrowserGone) || errors.Is(err, browser.ErrPageClosed) || errors.Is(err, browser.ErrServiceMissing) {
			return err // waiting cannot help
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("still so after waiting %s: %w", time.Since(start).Round(time.Millisecond), err)
		case <-tick.C:
		}
		next := attempt()
		if next == nil {
			return nil
		}
		if ctx.Err() == nil {
			err = next // keep the last real answer, not the deadline's error
		}
	}
}

// settled checks how a call or eval ended against what the plan expects,
// and says what happened in res.message.
func settled(res *Result, resolved bool, wantResolved *bool, equals any, hasEq bool, expect []assertion) error {
	how := "resolved"
	if !resolved {
		how = "rejected"
	}
	if wantResolved != nil && *wantResolved != resolved {
		want := "resolved"
		if !*wantResolved {
			want = "rejected"
		}
		return fmt.Errorf("the promise %s with %s, want it %s", how, Clip(string(res.value), 160), want)
	}
	var doc any
	if len(res.value) > 0 {
		if err := json.Unmarshal(res.value, &doc); err != nil {
			return fmt.Errorf("the value is not JSON: %w", err)
		}
	}
	var problems []string
	if hasEq && !jsonEqual(doc, equals) {
		problems = append(problems, fmt.Sprintf("$ = %s, want %s", Clip(string(res.value), 80), Clip(compactJSON(equals), 80)))
	}
	for _, a := range expect {
		if err := a.check(doc); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		if !resolved {
			return fmt.Errorf("%s (the promise rejected)", strings.Join(problems, "; "))
		}
		return errors.New(strings.Join(problems, "; "))
	}
	n := len(expect)
	if hasEq {
		n++
	}
	switch {
	case n == 0:
		res.message = how + " with " + Clip(string(res.value), 80)
	case n == 1:
		res.message = how + "; 1 expectation holds"
	default:
		res.message = fmt.Sprintf("%s; %d expectations hold", how, n)
	}
	return nil
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// --- eval ---

// evalCheck: a JavaScript expression (a promise is awaited) with an
// expected value or assertions on it.
type evalCheck struct {
	noRefs
	expr     string
	equals   any
	hasEq    bool
	resolved *bool
	expect   []assertion
	wait     bool
}

func parseEvalCheck(p *planParser, f *fieldMap) (checkSpec, error) {
	c := evalCheck{}
	var err error
	if c.expr, err = f.str("expr", true); err != nil {
		return nil, err
	}
	if n, ok := f.vals["equals"]; ok {
		if c.equals, err = p.jsonValue(n); err != nil {
			return nil, err
		}
		c.hasEq = true
	}
	if c.resolved, c.expect, c.wait, err = p.outcomeFields(f); err != nil {
		return nil, err
	}
	return c, nil
}

func (c evalCheck) run(ctx context.Context, r *Run, res *Result) error {
	return until(ctx, c.wait, func() error {
		value, resolved, err := Eval(ctx, r.Page, c.expr)
		if err != nil {
			return err
		}
		res.value = value
		return settled(res, resolved, c.resolved, c.equals, c.hasEq, c.expect)
	})
}

// Eval evaluates expr in the page. A promise that rejects is a result
// (resolved false, its value), not an error.
func Eval(ctx context.Context, p *browser.Page, expr string) (json.RawMessage, bool, error) {
	v, err := p.Eval(ctx, expr)
	var se *browser.ScriptError
	if errors.As(err, &se) && se.Value != nil {
		return se.Value, false, nil
	}
	return v, true, err
}

// --- network ---

// networkCheck: the app's own request to an endpoint happened, answered
// with the expected HTTP status, and its bodies have the schemas' fields.
type networkCheck struct {
	endpoint string
	query    url.Values // each key must have one of the values
	after    string     // only requests made after this check began
	status   int
	request  []schema
	response []schema
}

func (c networkCheck) refs() []string {
	if c.after == "" {
		return nil
	}
	return []string{c.after}
}

func parseNetworkCheck(p *planParser, f *fieldMap) (checkSpec, error) {
	c := networkCheck{status: 200, query: url.Values{}}
	endpoint, err := f.str("endpoint", true)
	if err != nil {
		return nil, err
	}
	// webwxupdatechatroom?fun=modtopic names the endpoint and a query at once.
	path, rawQuery, _ := strings.Cut(endpoint, "?")
	c.endpoint = path[strings.LastIndex(path, "/")+1:]
	if q, err := url.ParseQuery(rawQuery); err == nil {
		c.query = q
	} else {
		return nil, p.errorf(f.vals["endpoint"], "%s: endpoint: bad query %q: %v", f.what, rawQuery, err)
	}
	if c.endpoint == "" {
		return nil, p.errorf(f.vals["endpoint"], "%s: endpoint: give the endpoint's name, such as webwxcreatechatroom", f.what)
	}
	if n, ok := f.vals["query"]; ok {
		q, err := p.mapping(n, f.what+": query")
		if err != nil {
			return nil, err
		}
		for k := range q.vals {
			v, err := q.str(k, false)
			if err != nil {
				return nil, err
			}
			c.query.Add(k, v)
		}
	}
	if after, ok := f.vals["after"]; ok {
		if c.after, err = f.str("after", true); err != nil {
			return nil, err
		}
		p.addRef(checkRef{name: c.after, field: "after", line: after.Line})
	}
	if n, ok := f.vals["status"]; ok {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&c.status) != nil || c.status < 100 || c.status > 599 {
			return nil, p.errorf(n, "%s: status: must be an HTTP status such as 200", f.what)
		}
	}
	names, lines, err := f.strList("schema")
	if err != nil {
		return nil, err
	}
	for i, name := range names {
		s, ok := readySchemas()[name]
		if !ok {
			known := sortedKeys(readySchemas())
			return nil, &PlanError{File: p.file, Line: lines[i], Msg: fmt.Sprintf("%s: schema: no ready-made schema %q (known: %s)%s",
				f.what, name, strings.Join(known, ", "), suggestion(name, known))}
		}
		if strings.HasSuffix(name, "-request") {
			c.request = append(c.request, s)
		} else {
			c.response = append(c.response, s)
		}
	}
	for _, part := range []string{"request", "response"} {
		n, ok := f.vals[part]
		if !ok {
			continue
		}
		s, err := p.schemaMap(n, f.what+": "+part)
		if err != nil {
			return nil, err
		}
		if part == "request" {
			c.request = append(c.request, s)
		} else {
			c.response = append(c.response, s)
		}
	}
	return c, nil
}

// describe is the request the check looks for, for messages.
func (c networkCheck) describe() string {
	s := c.endpoint
	if len(c.query) > 0 {
		s += "?" + c.query.Encode()
	}
	return s
}

func (c networkCheck) matches(call browser.NetCall, after int) bool {
	if call.Seq <= after || call.Endpoint != c.endpoint {
		return false
	}
	got := queryOf(call.URL)
	for k, want := range c.query {
		if !slices.Contains(want, got.Get(k)) {
			return false
		}
	}
	return true
}

func queryOf(rawURL string) url.Values {
	u, err := url.Parse(rawURL)
	if err != nil {
		return url.Values{}
	}
	return u.Query()
}

func (c networkCheck) run(ctx context.Context, r *Run, res *Result) error {
	after := 0
	if c.after != "" {
		after = r.results[c.after].mark
	}
	match := func(call browser.NetCall) bool { return c.matches(call, after) }
	// The latest request that is done is the one that reflects the checks
	// just run; with none yet, wait for the first to come.
	var call browser.NetCall
	found := false
	for _, x := range r.Page.Calls() {
		if x.Done && match(x) {
			call, found = x, true
		}
	}
	if !found {
		var err error
		if call, err = r.Page.WaitCall(ctx, match); err != nil {
			if ctx.Err() == nil {
				return err // the page or browser went away
			}
			return fmt.Errorf("the app made no %s request%s within %s%s", c.describe(), afterText(c.after),
				res.check.Timeout, seenEndpoints(r.Page.Calls(), after))
		}
	}
	res.call = &call
	if call.Err != "" {
		return fmt.Errorf("%s %s failed: %s", call.Method, c.endpoint, call.Err)
	}
	if call.Status != c.status {
		return fmt.Errorf("%s %s answered HTTP %d, want %d", call.Method, c.endpoint, call.Status, c.status)
	}
	var problems, matched []string
	check := func(part string, list []schema, body json.RawMessage) {
		for _, s := range list {
			p := s.problems(body)
			for i, x := range p {
				if i == 4 && len(p) > 5 {
					problems = append(problems, fmt.Sprintf("%s: and %d more", part, len(p)-i))
					break
				}
				problems = append(problems, part+": "+x)
			}
			if len(p) == 0 && s.name != "" {
				matched = append(matched, s.name)
			}
		}
	}
	check("request", c.request, call.RequestBody)
	check("response", c.response, call.ResponseBody)
	if len(problems) > 0 {
		return fmt.Errorf("%s %s (call #%d): %s", call.Method, c.endpoint, call.Seq, strings.Join(problems, "; "))
	}
	res.message = fmt.Sprintf("%s %s → %d", call.Method, c.endpoint, call.Status)
	if n := len(c.request) + len(c.response); n > 0 {
		res.message += fmt.Sprintf("; bodies match %d schema%s", n, plural(n))
		if len(matched) > 0 {
			res.message += " (" + strings.Join(matched, ", ") + ")"
		}
	}
	return nil
}

func afterText(after string) string {
	if after == "" {
		return ""
	}
	return fmt.Sprintf(" after check %q began", after)
}

// seenEndpoints lists the endpoints the app did call, as a hint for a
// request that never came.
func seenEndpoints(calls []browser.NetCall, after int) string {
	var seen []string
	for _, c := range calls {
		if c.Seq > after && !slices.Contains(seen, c.Endpoint) {
			seen = append(seen, c.Endpoint)
		}
	}
	if len(seen) == 0 {
		return " (no API request at all)"
	}
	return " (it called " + strings.Join(seen, ", ") + ")"
}

// readySchemas are the shapes of the seed's requests and answers (the
// user's own capture of web WeChat, embedded by package seedcmp) as schemas a
// network check names with schema:. Every field of the seed is required,
// with the seed's type.
var readySchemas = sync.OnceValue(func() map[string]schema {
	out := map[string]schema{}
	for name, doc := range map[string][]byte{
		"create-request":    seedcmp.CreateRequest,
		"create-response":   seedcmp.CreateResponse,
		"batchget-request":  seedcmp.BatchGetRequest,
		"batchget-response": seedcmp.BatchGetResponse,
	} {
		out[name] = seedSchema(name, doc)
	}
	return out
})

// seedSchema turns a seed document into a schema of its leaves.
func seedSchema(name string, doc []byte) schema {
	s := schema{name: name}
	fields, err := seedcmp.Shape(doc)
	if err != nil {
		return s // the embedded seed is JSON; TestReadySchemas holds it to that
	}
	for _, path := range sortedKeys(fields) {
		p, err := parsePath(path)
		if err != nil {
			continue // seed keys are plain names; TestReadySchemas checks
		}
		s.fields = append(s.fields, schemaField{path: p, typ: typeSpec{src: fields[path].Kind, kinds: []string{fields[path].Kind}}})
	}
	return s
}
