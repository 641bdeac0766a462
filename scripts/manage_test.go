package scripts

import (
	"strings"
	"testing"
)

// TestManageScripts checks that the scripts of manage.go have the shape
// package browser relies on, as TestScriptsAreFunctionExpressions does for
// the primitives.
func TestManageScripts(t *testing.T) {
	for _, s := range []Script{SendText, GroupMates, MissingGroups} {
		t.Run(s.Name, func(t *testing.T) {
			m := header.FindStringSubmatch(s.Source)
			if m == nil || m[1] != s.Name {
				t.Fatalf("source does not start with %q naming %s", header, s.Name)
			}
			code := stripLineComments(s.Source)
			if !strings.HasPrefix(code, "function (") || !strings.HasSuffix(s.Source, "}\n") {
				t.Errorf("not one function expression ending in a newline")
			}
			if strings.Count(code, "{") != strings.Count(code, "}") {
				t.Errorf("unbalanced braces")
			}
		})
	}
}
