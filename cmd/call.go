package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/smoke"
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
	names := smoke.Resolver{Page: s.Page}
	if err := names.WaitForApp(s.Context()); err != nil {
		return err
	}
	resolved, err := names.Resolve(s.Context(), args, nil)
	if err != nil {
		return err
	}
	what := service + "." + method
	res, err := s.Page.Call(s.Context(), service, method, resolved.([]any)...)
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
// turns {"member": NAME} into a smoke.MemberRef.
func parseJSONArgs(raw []string) ([]any, error) {
	out := make([]any, 0, len(raw))
	for i, a := range raw {
		dec := json.NewDecoder(strings.NewReader(a))
		dec.UseNumber() // big numbers (Uin) pass through unchanged
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, usagef("argument %d (%s) is not JSON: %v (quote strings: '\"text\"')", i+1, smoke.Clip(a, 40), err)
		}
		if dec.More() {
			return nil, usagef("argument %d (%s) holds more than one JSON value: pass each argument separately", i+1, smoke.Clip(a, 40))
		}
		out = append(out, smoke.MemberRefs(v))
	}
	return out, nil
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
