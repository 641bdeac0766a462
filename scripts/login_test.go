package scripts

import (
	"strings"
	"testing"
)

// TestLoginScriptsShape holds the log-in scripts to the shape package
// browser relies on, as TestScriptsAreFunctionExpressions does for the
// primitives.
func TestLoginScriptsShape(t *testing.T) {
	for _, s := range []Script{LoginState, LoginPress} {
		t.Run(s.Name, func(t *testing.T) {
			m := header.FindStringSubmatch(s.Source)
			if m == nil || m[1] != s.Name {
				t.Fatalf("source does not start with the header naming %q", s.Name)
			}
			code := stripLineComments(s.Source)
			if !strings.HasPrefix(code, "function (") || !strings.HasSuffix(s.Source, "}\n") {
				t.Errorf("not one function expression ending the file")
			}
			if strings.Count(code, "{") != strings.Count(code, "}") {
				t.Errorf("unbalanced braces")
			}
		})
	}
}
