package cmd

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/cmd/internal/smoke"
)

var evalCommand = &cli.Command{
	Name:      "eval",
	Usage:     "evaluate a JavaScript expression in web WeChat's page and print its value as JSON",
	ArgsUsage: "EXPR",
	Description: `Evaluates EXPR (one expression, not statements) in the page once the app is
up (and, when logged in, has loaded your user and contacts), for what no
command covers. A promise is awaited. Prints
{"resolved": true, "value": …} with the value as plain JSON (functions,
DOM nodes and $$hashKey left out, cycles cut); a promise that rejects prints
{"resolved": false, "value": <the rejection value>}.

It prints what the page gives it. It masks only the exact values of the
session's secrets (Skey, Sid, Uin, pass_ticket, DeviceID): an expression that
changes one (.slice(1), btoa, a join) prints it, readable. Keep such output to
yourself.

Examples:
   wxctl eval --sandbox 'window.MMCgi.isLogin'
   wxctl eval --sandbox 'angular.element(document).injector().get("accountFactory").getUserInfo().NickName'
   wxctl eval 'angular.element(document.querySelector("[ng-controller=loginController]")).scope().qrcodeUrl'

Exit codes: 0 evaluated, 6 the promise rejected, 1 the expression threw,
2 EXPR is not an expression, 7 no browser or no app, 8 no value before
--timeout.`,
	Flags:  appFlags(),
	Action: runEval,
}

func runEval(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("eval takes one expression (quote it for the shell), got %d arguments", c.NArg())
	}
	expr := c.Args().First()
	if strings.TrimSpace(expr) == "" {
		return usagef("eval: the expression is empty")
	}
	s, err := openAnySession(c)
	if err != nil {
		return err
	}
	defer s.Close()
	app := smoke.Resolver{Page: s.Page}
	if err := app.WaitForApp(s.Context()); err != nil {
		return err
	}
	value, resolved, err := smoke.Eval(s.Context(), s.Page, expr)
	if err != nil {
		return thrown("the expression", err)
	}
	return printSettled(c, "the expression", resolved, value)
}
