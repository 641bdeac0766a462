package scripts

import (
	"regexp"
	"strings"
	"testing"
)

// header is the first line every script file starts with: "// name: runs in
// …", so a reader of the .js file knows what it is and where it runs.
var header = regexp.MustCompile(`^// ([A-Za-z]+): runs in `)

// TestScriptsAreFunctionExpressions checks the shape package browser relies
// on: one commented function expression that a trailing line comment cannot
// swallow when it is wrapped in parentheses.
func TestScriptsAreFunctionExpressions(t *testing.T) {
	for _, s := range []Script{Call, Ready, PageInfo, DOMSnapshot, ContactStore} {
		t.Run(s.Name, func(t *testing.T) {
			m := header.FindStringSubmatch(s.Source)
			if m == nil {
				t.Fatalf("source does not start with %q", header)
			}
			if m[1] != s.Name {
				t.Errorf("header names %q, Script.Name is %q", m[1], s.Name)
			}
			code := stripLineComments(s.Source)
			if !strings.HasPrefix(code, "function (") {
				t.Errorf("code after the header starts with %.30q, want a function expression", code)
			}
			if !strings.HasSuffix(s.Source, "}\n") {
				t.Errorf("source must end with the function's closing brace and a newline")
			}
			if strings.Count(code, "{") != strings.Count(code, "}") {
				t.Errorf("unbalanced braces: %d { and %d }", strings.Count(code, "{"), strings.Count(code, "}"))
			}
		})
	}
}

// stripLineComments drops the leading comment lines and white space.
func stripLineComments(src string) string {
	lines := strings.Split(src, "\n")
	i := 0
	for i < len(lines) && (strings.HasPrefix(strings.TrimSpace(lines[i]), "//") || strings.TrimSpace(lines[i]) == "") {
		i++
	}
	return strings.Join(lines[i:], "\n")
}
