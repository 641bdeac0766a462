package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

var callCommand = &cli.Command{
	Name:      "call",
	Usage:     "call a method of one of web WeChat's AngularJS services and print the result as JSON",
	ArgsUsage: "SERVICE METHOD [JSON_ARG...]",
	Description: `Calls SERVICE.METHOD in the page, as the app's own UI does (in a digest, with
the service as this), each JSON_ARG one argument. When logged in, it first
waits until the app has loaded your user and contacts, as a person would. A
returned promise is awaited. Prints {"resolved": true, "value": …} with the
value as plain JSON (functions and $$hashKey left out); a promise that
rejects prints {"resolved": false, "value": <the rejection value>}.

It prints what the page gives it. It masks only the exact values of the
session's secrets (Skey, Sid, Uin, pass_ticket, DeviceID): a method that
returns one changed (cut, encoded, joined) prints it, readable. Keep such
output to yourself.

In the arguments, {"member": "NAME"} stands for the UserName of the friend
NAME, found as --member finds it (NickName, RemarkName or Alias).

Examples:
   wxctl call --sandbox accountFactory getUserInfo
   wxctl call --sandbox chatroomFactory create '[{"UserName":{"member":"Rain1ove"}},{"UserName":{"member":"迴焘願點"}}]'
   wxctl call contactFactory getContact '"@@60bee4…"'

Exit codes: 0 the method returned or its promise resolved, 6 the promise
rejected, 1 the method threw, 2 an argument is not JSON or a name is unknown,
7 no browser, no app, or no such service or method, 8 no answer before
--timeout (a request it started may still complete).`,
	Flags:  appFlags(),
	Action: runCall,
}

// settledJSON is what eval and call print: how the call ended and its
// value. The fields are a stable interface: README.md documents them.
type settledJSON struct {
	Resolved bool            `json:"resolved"`
	Value    json.RawMessage `json:"value"`
}

// rejectedError is a promise that rejected; the value was printed. It is
// ErrRefused for the exit code (6).
type rejectedError struct{ what string }

func (e *rejectedError) Error() string {
	return e.what + ": the promise rejected (its value is printed)"
}

func (e *rejectedError) Is(target error) bool { return target == browser.ErrRefused }

func runCall(c *cli.Context) error {
	if c.NArg() < 2 {
		return usagef("call needs a service and a method: wxctl call SERVICE METHOD [JSON_ARG...]")
	}
	service, method := c.Args().Get(0), c.Args().Get(1)
	args, err := parseJSONArgs(c.Args().Slice()[2:])
	if err != nil {
		return err
	}
	s, err := openAnySession(c)
	if err != nil {
		return err
	}
	defer s.Close()
	names := argResolver{page: s.page}
	if err := names.waitForApp(s.ctx); err != nil {
		return err
	}
	resolved, err := names.resolve(s.ctx, args, nil)
	if err != nil {
		return err
	}
	what := service + "." + method
	res, err := s.page.Call(s.ctx, service, method, resolved.([]any)...)
	if err != nil {
		return thrown(what, err)
	}
	return printSettled(c, what, res.Resolved, res.Value)
}

// openAnySession opens the app for eval and call, which work on any page,
// logged in or not (the log-in page's own state is worth a look); with
// --login the session is required and logged in first when missing.
func openAnySession(c *cli.Context) (*session, error) {
	if c.Bool(loginFlag.Name) {
		return openSession(c, c.Bool(sandboxFlag.Name))
	}
	return openSession(c, c.Bool(sandboxFlag.Name), withoutSession())
}

// parseJSONArgs decodes each command-line argument as one JSON value, and
// turns {"member": NAME} into a memberRef.
func parseJSONArgs(raw []string) ([]any, error) {
	out := make([]any, 0, len(raw))
	for i, a := range raw {
		dec := json.NewDecoder(strings.NewReader(a))
		dec.UseNumber() // big numbers (Uin) pass through unchanged
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, usagef("argument %d (%s) is not JSON: %v (quote strings: '\"text\"')", i+1, clip(a, 40), err)
		}
		if dec.More() {
			return nil, usagef("argument %d (%s) holds more than one JSON value: pass each argument separately", i+1, clip(a, 40))
		}
		out = append(out, memberRefs(v))
	}
	return out, nil
}

// memberRefs replaces every {"member": NAME} in v by a memberRef.
func memberRefs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if name, ok := x["member"].(string); ok && len(x) == 1 {
			return memberRef{Name: name}
		}
		for k, item := range x {
			x[k] = memberRefs(item)
		}
	case []any:
		for i, item := range x {
			x[i] = memberRefs(item)
		}
	}
	return v
}

// thrown turns a JavaScript exception of the user's call or expression into
// a plain error (exit 1): the code was theirs, not a broken browser.
// Other errors (no service, no app, timeout) keep their class.
func thrown(what string, err error) error {
	var se *browser.ScriptError
	if !errors.As(err, &se) {
		return err
	}
	if strings.Contains(se.Message, "SyntaxError") {
		return usagef("%s is not a JavaScript expression: %s", what, se.Message)
	}
	return fmt.Errorf("%s threw: %s", what, se.Message)
}

// printSettled prints how a call or evaluation ended, and makes a
// rejection exit 6.
func printSettled(c *cli.Context, what string, resolved bool, value json.RawMessage) error {
	if len(value) == 0 {
		value = json.RawMessage("null")
	}
	var rejected error
	if !resolved {
		rejected = &rejectedError{what: what}
	}
	if err := writeResult(c.App.Writer, settledJSON{Resolved: resolved, Value: value}, rejected); err != nil {
		return err
	}
	return rejected
}

// argResolver finds friends named in call arguments, loading the app's
// contacts once, on the first name.
type argResolver struct {
	page *browser.Page
	book *browser.AddressBook
}

// resolve replaces memberRefs in v by UserNames, and resultRefs through
// result (nil: there are none).
func (a *argResolver) resolve(ctx context.Context, v any, result func(resultRef) (any, error)) (any, error) {
	switch x := v.(type) {
	case memberRef:
		return a.userName(ctx, x.Name)
	case resultRef:
		if result == nil {
			return nil, fmt.Errorf("{result: %s} has no check to read", x.Check)
		}
		return result(x)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			var err error
			if out[i], err = a.resolve(ctx, item, result); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			var err error
			if out[k], err = a.resolve(ctx, item, result); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// waitForApp waits, when the page is logged in, until the app has loaded
// its own user and its contacts (webwxinit, webwxgetcontact), so that an
// ad-hoc call or expression sees what a person would see on the page. A
// logged-out page is taken as it is.
func (a *argResolver) waitForApp(ctx context.Context) error {
	if ok, err := browser.HasSession(ctx, a.page); err != nil || !ok {
		return err
	}
	book, err := browser.LoadContacts(ctx, a.page)
	if err != nil {
		return fmt.Errorf("waiting for the app to load your contacts: %w", err)
	}
	a.book = book
	return nil
}

// userName resolves one friend as --member does.
func (a *argResolver) userName(ctx context.Context, name string) (string, error) {
	if a.book == nil {
		book, err := browser.LoadContacts(ctx, a.page)
		if err != nil {
			return "", fmt.Errorf("finding member %q: %w", name, err)
		}
		a.book = book
	}
	friends, err := a.book.ResolveFriends([]string{name})
	if err != nil {
		return "", fmt.Errorf("finding member %q: %w", name, err)
	}
	return friends[0].UserName, nil
}
