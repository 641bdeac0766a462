package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"

	"github.com/wxctl/wxctl/scripts"
)

// Result is how a service method ended. Resolved is false when its promise
// rejected, which is an answer (chatroomFactory.create rejects with the
// server's JSON), not an error. Value is the returned, resolved or rejected
// value as plain JSON ("null" for undefined); functions, $$hashKey and
// cycles are left out.
type Result struct {
	Resolved bool
	Value    json.RawMessage
}

// Call calls method of the app's injector service with args, each passed as
// a JSON value, as the app's own UI would: in a digest, with the service as
// this. A returned promise is awaited and settled both ways. When ctx has a
// deadline the page stops waiting at it too, and the error wraps
// context.DeadlineExceeded; what the method started (a request) may still
// complete, so read the network (WaitCall) to know.
//
// Errors: *ServiceError (ErrServiceMissing) for an unknown service or
// method, *ScriptError when the method throws, ErrAppNotReady when the page
// has no AngularJS app, ErrBrowserGone, ErrPageClosed.
func (p *Page) Call(ctx context.Context, service, method string, args ...any) (Result, error) {
	what := service + "." + method
	if args == nil {
		args = []any{} // an array in the page, not null
	}
	target := struct {
		Service string `json:"service"`
		Method  string `json:"method"`
	}{service, method}
	env, err := p.invoke(ctx, scripts.Call.Name, scripts.Call.Source, 0, []any{target, pageDeadline{}, args})
	if err != nil {
		return Result{}, fmt.Errorf("calling %s: %w", what, err)
	}
	switch env.Status {
	case "resolved", "rejected":
		return Result{Resolved: env.Status == "resolved", Value: env.value()}, nil
	case "threw":
		return Result{}, fmt.Errorf("calling %s: %w", what, &ScriptError{Script: scripts.Call.Name, Message: env.Message, Stack: env.Stack})
	case "no-service":
		return Result{}, &ServiceError{Service: service}
	case "no-method":
		return Result{}, &ServiceError{Service: service, Method: method}
	case "no-app":
		return Result{}, fmt.Errorf("calling %s: %w: open the app first", what, ErrAppNotReady)
	}
	return Result{}, env.unexpected("calling " + what)
}

// Run runs an embedded script: its function is called with args as JSON
// values, through the same runner as Call, so a returned promise is awaited,
// the value comes back as plain JSON, and ctx's deadline reaches the page. A
// throw, or a promise that rejects, is a *ScriptError (Value holds the
// rejection value); a script that wants rejections as data settles them
// itself.
func (p *Page) Run(ctx context.Context, script scripts.Script, args ...any) (json.RawMessage, error) {
	return p.run(ctx, script, 0, args)
}

// Eval evaluates a JavaScript expression in the page, as Run does a script:
// promises awaited, the value as plain JSON. For the developer's own
// expressions (debugging, tests): expr is code, never data.
func (p *Page) Eval(ctx context.Context, expr string) (json.RawMessage, error) {
	return p.run(ctx, scripts.Script{Name: "eval", Source: "function () {\nreturn (\n" + expr + "\n);\n}"}, 0, nil)
}

// run is Run in a document whose context came after the after'th (see
// mainContext).
func (p *Page) run(ctx context.Context, s scripts.Script, after int, args []any) (json.RawMessage, error) {
	if args == nil {
		args = []any{}
	}
	env, err := p.invoke(ctx, s.Name, runnerSource(s), after, []any{pageDeadline{}, args})
	if err != nil {
		return nil, err
	}
	switch env.Status {
	case "resolved":
		return env.value(), nil
	case "rejected":
		return nil, &ScriptError{Script: s.Name, Message: "promise rejected", Value: env.value()}
	case "threw":
		return nil, &ScriptError{Script: s.Name, Message: env.Message, Stack: env.Stack}
	}
	return nil, env.unexpected("script " + s.Name)
}

// runnerSource makes the function declaration that runs s through the Call
// runner: both are our own embedded code; the data stays in the arguments.
// The newlines keep a trailing line comment from swallowing a parenthesis.
func runnerSource(s scripts.Script) string {
	return "function (timeoutMs, args) {\nreturn (\n" + scripts.Call.Source +
		"\n).call(this, (\n" + s.Source + "\n), timeoutMs, args);\n}"
}

// envelope is the runner's answer (see scripts/call.js).
type envelope struct {
	Status  string          `json:"status"`
	Value   json.RawMessage `json:"value"`
	Message string          `json:"message"`
	Stack   string          `json:"stack"`
}

func (e envelope) value() json.RawMessage {
	if e.Value == nil {
		return json.RawMessage("null")
	}
	return e.Value
}

// unexpected is the error for a status not handled by the caller; a
// timeout is the only one expected here.
func (e envelope) unexpected(what string) error {
	if e.Status == "timeout" {
		return fmt.Errorf("%s: the page stopped waiting at the deadline; what it started may still complete: %w",
			what, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s: the page answered %q", what, e.Status)
}

// pageDeadline stands for the runner's timeoutMs argument in invoke, which
// works it out from ctx just before each send.
type pageDeadline struct{}

// pageTimeout is how long the page may wait for a promise: a little less
// than ctx has left, so that the page's answer arrives before ctx ends; 0
// for no limit.
func pageTimeout(ctx context.Context) (int64, error) {
	dl, ok := ctx.Deadline()
	if !ok {
		return 0, nil
	}
	left := time.Until(dl)
	if left <= 0 {
		return 0, context.DeadlineExceeded
	}
	// The margin covers the answer's trip back on a busy machine.
	left -= min(max(left/10, 100*time.Millisecond), 500*time.Millisecond, left/2)
	return max(left.Milliseconds(), 1), nil
}

// invoke calls the function declaration decl with args in the main frame's
// current document and returns the runner's answer. A pageDeadline argument
// becomes the milliseconds the page may wait. A call that the browser
// refused because the document was just replaced never ran, so it is sent
// again to the new document.
func (p *Page) invoke(ctx context.Context, name, decl string, after int, args []any) (envelope, error) {
	opctx, stop := p.opContext(ctx)
	defer stop()
	for {
		ec, err := p.mainContext(opctx, after)
		if err != nil {
			return envelope{}, p.fail(ctx, err)
		}
		params := runtime.CallFunctionOnParams{
			FunctionDeclaration: decl,
			UniqueContextID:     ec.uniqueID,
			AwaitPromise:        new(true),
			ReturnByValue:       new(true),
			Silent:              new(true),
		}
		for i, a := range args {
			if _, ok := a.(pageDeadline); ok {
				// As late as possible: the page's clock starts when it runs.
				ms, err := pageTimeout(ctx)
				if err != nil {
					return envelope{}, fmt.Errorf("script %s: %w", name, err)
				}
				a = ms
			}
			b, err := json.Marshal(a)
			if err != nil {
				return envelope{}, fmt.Errorf("script %s: argument %d cannot be sent as JSON: %w", name, i, err)
			}
			params.Arguments = append(params.Arguments, &runtime.CallArgument{Value: b})
		}
		res, err := cdp.Call(opctx, p.target, runtime.CallFunctionOn, params)
		if err != nil {
			if contextMissing(err) {
				p.forgetContext(ec)
				continue
			}
			if contextDestroyed(err) {
				return envelope{}, fmt.Errorf("script %s: %w", name, ErrNavigated)
			}
			return envelope{}, p.fail(ctx, err)
		}
		if res.ExceptionDetails != nil {
			return envelope{}, exceptionError(name, res.ExceptionDetails)
		}
		var text string
		if res.Result == nil || json.Unmarshal([]byte(res.Result.Value), &text) != nil {
			return envelope{}, fmt.Errorf("script %s: the page did not answer through the runner", name)
		}
		var env envelope
		if err := json.Unmarshal([]byte(text), &env); err != nil {
			return envelope{}, fmt.Errorf("script %s: reading the page's answer: %w", name, err)
		}
		return env, nil
	}
}

// contextMissing reports whether the browser refused a call because the
// execution context it named is gone: the call did not run. ("Execution
// context was destroyed" is another matter: the call ran, and the document
// went away under it.)
func contextMissing(err error) bool {
	var cerr *cdproto.Error
	return errors.As(err, &cerr) &&
		(strings.Contains(cerr.Message, "uniqueContextId not found") || strings.Contains(cerr.Message, "Cannot find context"))
}

// contextDestroyed reports whether the document went away while the call
// ran in it: unlike contextMissing, the call did run, and may have started
// requests.
func contextDestroyed(err error) bool {
	var cerr *cdproto.Error
	return errors.As(err, &cerr) &&
		(strings.Contains(cerr.Message, "Inspected target navigated or closed") ||
			strings.Contains(cerr.Message, "Execution context was destroyed"))
}

// exceptionError turns an exception that escaped the runner (a script that
// does not compile) into a *ScriptError.
func exceptionError(name string, d *runtime.ExceptionDetails) error {
	e := &ScriptError{Script: name, Message: d.Text}
	if d.Exception != nil && d.Exception.Description != "" {
		e.Message, e.Stack = firstLine(d.Exception.Description), d.Exception.Description
	}
	return e
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
