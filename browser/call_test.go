package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"

	"github.com/wxctl/wxctl/scripts"
)

func callCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// hostile holds strings that would break a script built by pasting data
// into source.
var hostile = []any{
	`Quote "Q" \ </script>`,
	`"); alert(1);//`,
	`'; throw 1; '`,
	`back\slash \\ \n \u0000`,
	"</script><script>window.pwned=1</script>",
	"emoji 😀 <span class=\"emoji emoji1f601\"></span> 迴焘願點",
	"line\nbreak\ttab\u2028sep",
	"",
	12.5,
	int64(9007199254740991),
	true,
	nil,
	map[string]any{"UserName": "@abc", "nested": []any{"x", map[string]any{"y": `"`}}},
}

func TestCallArgumentsStayData(t *testing.T) {
	p, _ := testApp(t)
	ctx := callCtx(t)
	res, err := p.Call(ctx, "testSvc", "echo", hostile...)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resolved {
		t.Fatalf("not resolved: %s", res.Value)
	}
	var got []any
	if err := json.Unmarshal(res.Value, &got); err != nil {
		t.Fatal(err)
	}
	var want []any
	b, _ := json.Marshal(hostile)
	json.Unmarshal(b, &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("echo returned\n%#v\nwant\n%#v", got, want)
	}
	if v, err := p.Eval(ctx, "window.pwned === undefined"); err != nil || string(v) != "true" {
		t.Errorf("an argument ran as code: %s %v", v, err)
	}
}

func TestCallSettles(t *testing.T) {
	p, _ := testApp(t)
	for _, tc := range []struct {
		method   string
		args     []any
		resolved bool
		value    string
	}{
		{"echo", nil, true, `[]`},
		{"later", []any{"x"}, true, `{"echo":"x"}`},
		{"reject", nil, false, `{"BaseResponse":{"Ret":1,"ErrMsg":"too often"}}`},
		{"isThis", nil, true, `true`},
		{"image", nil, true, `null`},
	} {
		t.Run(tc.method, func(t *testing.T) {
			res, err := p.Call(callCtx(t), "testSvc", tc.method, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if res.Resolved != tc.resolved || string(res.Value) != tc.value {
				t.Errorf("got %v %s, want %v %s", res.Resolved, res.Value, tc.resolved, tc.value)
			}
		})
	}
	t.Run("nativeReject", func(t *testing.T) {
		res, err := p.Call(callCtx(t), "testSvc", "nativeReject")
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Name, Message string }
		if res.Resolved || json.Unmarshal(res.Value, &e) != nil || e.Name != "TypeError" || e.Message != "native rejection" {
			t.Errorf("got %v %s, want a rejection with the TypeError", res.Resolved, res.Value)
		}
	})
}

// TestCallPlainJSON checks the copy of values that are not plain JSON.
func TestCallPlainJSON(t *testing.T) {
	p, _ := testApp(t)
	res, err := p.Call(callCtx(t), "testSvc", "odd")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(res.Value, &got); err != nil {
		t.Fatal(err)
	}
	errVal, _ := got["err"].(map[string]any)
	delete(got, "err")
	want := map[string]any{
		"keep":   1.0,
		"$keep":  "one dollar stays",
		"nan":    nil,
		"when":   "1970-01-01T00:00:00.000Z",
		"list":   []any{1.0, nil, nil},
		"nested": map[string]any{"shared": []any{1.0, nil, nil}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %s\nwant %v", res.Value, want)
	}
	if errVal["name"] != "RangeError" || errVal["message"] != "out of range" || !strings.Contains(errVal["stack"].(string), "out of range") {
		t.Errorf("the Error became %v", errVal)
	}
}

func TestCallErrors(t *testing.T) {
	p, _ := testApp(t)
	t.Run("throw", func(t *testing.T) {
		_, err := p.Call(callCtx(t), "testSvc", "boom")
		var se *ScriptError
		if !errors.As(err, &se) || se.Script != "call" || se.Message != "boom" || !strings.Contains(se.Stack, "boom") {
			t.Fatalf("got %v (%+v), want a ScriptError with the message and stack", err, se)
		}
		if !strings.Contains(err.Error(), "testSvc.boom") {
			t.Errorf("the message %q does not name the method", err)
		}
	})
	t.Run("unknown service", func(t *testing.T) {
		_, err := p.Call(callCtx(t), "noSuchFactory", "create")
		var se *ServiceError
		if !errors.Is(err, ErrServiceMissing) || !errors.As(err, &se) || se.Service != "noSuchFactory" || se.Method != "" {
			t.Fatalf("got %v, want a ServiceError for the service", err)
		}
	})
	t.Run("unknown method", func(t *testing.T) {
		_, err := p.Call(callCtx(t), "testSvc", "noSuchMethod")
		var se *ServiceError
		if !errors.Is(err, ErrServiceMissing) || !errors.As(err, &se) || se.Service != "testSvc" || se.Method != "noSuchMethod" {
			t.Fatalf("got %v, want a ServiceError for the method", err)
		}
	})
	t.Run("not a function", func(t *testing.T) {
		// $http's "defaults" is an object, not a method.
		if _, err := p.Call(callCtx(t), "$http", "defaults"); !errors.Is(err, ErrServiceMissing) {
			t.Fatalf("got %v, want ErrServiceMissing", err)
		}
	})
	t.Run("argument not JSON", func(t *testing.T) {
		if _, err := p.Call(callCtx(t), "testSvc", "echo", make(chan int)); err == nil {
			t.Fatal("a channel argument was accepted")
		}
	})
}

func TestCallNoApp(t *testing.T) {
	b := sharedBrowser(t)
	srv := newFixtureServer(t)
	p := newPage(t, b)
	ctx := callCtx(t)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_ = p.Open(short, srv.URL+"/plain.html")
	if _, err := p.Call(ctx, "chatroomFactory", "create"); !errors.Is(err, ErrAppNotReady) {
		t.Fatalf("Call on a page without the app: %v, want ErrAppNotReady", err)
	}
}

// TestCallDeadline calls a method whose promise never settles: the call
// ends at the deadline, and the tab stays usable.
func TestCallDeadline(t *testing.T) {
	p, _ := testApp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := p.Call(ctx, "testSvc", "never"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the call took %v", d)
	}
	if _, err := p.Call(callCtx(t), "testSvc", "echo"); err != nil {
		t.Errorf("a call after the deadline: %v", err)
	}
}

// TestPageDeadline checks that the page itself stops waiting: the runner
// answers "timeout" on its own, with no Go deadline.
func TestPageDeadline(t *testing.T) {
	p, _ := testApp(t)
	target := map[string]string{"service": "testSvc", "method": "never"}
	env, err := p.invoke(context.Background(), "call", scripts.Call.Source, 0, []any{target, 200, []any{}})
	if err != nil || env.Status != "timeout" {
		t.Fatalf("got %+v, %v; want the page's timeout", env, err)
	}
	if err := env.unexpected("x"); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "may still complete") {
		t.Errorf("the page's timeout becomes %v", err)
	}
}

func TestRun(t *testing.T) {
	p, _ := testApp(t)
	sum := scripts.Script{Name: "sum", Source: "// sum: adds.\nfunction (a, b) { return Promise.resolve(a + b); } // trailing comment"}
	if v, err := p.Run(callCtx(t), sum, 1, 2); err != nil || string(v) != "3" {
		t.Errorf("Run sum: %s, %v", v, err)
	}
	rejects := scripts.Script{Name: "rejects", Source: "function () { return Promise.reject({Ret: 1205}); }"}
	_, err := p.Run(callCtx(t), rejects)
	var se *ScriptError
	if !errors.As(err, &se) || se.Script != "rejects" || string(se.Value) != `{"Ret":1205}` {
		t.Errorf("Run of a rejecting script: %v, want a ScriptError with the value", err)
	}
	throws := scripts.Script{Name: "throws", Source: "function () { null.x; }"}
	if _, err := p.Run(callCtx(t), throws); !errors.As(err, &se) || se.Script != "throws" || !strings.Contains(se.Message, "null") {
		t.Errorf("Run of a throwing script: %v", err)
	}
	broken := scripts.Script{Name: "broken", Source: "function ( {"}
	if _, err := p.Run(callCtx(t), broken); !errors.As(err, &se) || se.Script != "broken" {
		t.Errorf("Run of a script that does not compile: %v", err)
	}
	if v, err := p.Run(callCtx(t), scripts.Ready); err != nil || string(v) != "true" {
		t.Errorf("Run ready: %s, %v", v, err)
	}
}

func TestEval(t *testing.T) {
	p, _ := testApp(t)
	for expr, want := range map[string]string{
		"1 + 2":                     "3",
		"Promise.resolve({a: [1]})": `{"a":[1]}`,
		"undefined":                 "null",
		"document.title // comment": `"Test App"`,
	} {
		if v, err := p.Eval(callCtx(t), expr); err != nil || string(v) != want {
			t.Errorf("Eval(%q) = %s, %v; want %s", expr, v, err, want)
		}
	}
	var se *ScriptError
	if _, err := p.Eval(callCtx(t), "nope.nope"); !errors.As(err, &se) || se.Script != "eval" {
		t.Errorf("Eval of a ReferenceError: %v", err)
	}
}

// TestCallStaleContext runs a call aimed at a document that is gone, as
// happens when a navigation replaces it: the call goes to the new document.
func TestCallStaleContext(t *testing.T) {
	p, _ := testApp(t)
	ctx := callCtx(t)
	p.mu.Lock()
	cur := p.contexts[p.frame]
	p.contexts[p.frame] = execContext{uniqueID: "1.2", gen: cur.gen}
	p.mu.Unlock()
	type result struct {
		v   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := p.Eval(ctx, "1 + 1")
		done <- result{v, err}
	}()
	if _, err := cdp.Call(ctx, p.target, page.Reload, page.ReloadParams{}); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil || string(r.v) != "2" {
		t.Fatalf("Eval with a stale context: %s, %v", r.v, r.err)
	}
	if !contextMissing(&cdproto.Error{Code: -32602, Message: "uniqueContextId not found"}) ||
		contextMissing(&cdproto.Error{Code: -32000, Message: "Execution context was destroyed."}) {
		t.Error("contextMissing misreads the browser's errors")
	}
}

// TestCallConcurrent keeps several calls in flight on one tab.
func TestCallConcurrent(t *testing.T) {
	p, _ := testApp(t)
	ctx := callCtx(t)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			res, err := p.Call(ctx, "testSvc", "later", i)
			if err == nil && string(res.Value) != fmt.Sprintf(`{"echo":%d}`, i) {
				err = fmt.Errorf("call %d got %s", i, res.Value)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
