package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// engines are the packages that do the commands' work. They take plain
// options and small interfaces: none may depend on the command layer.
var engines = []string{
	"github.com/wxctl/wxctl/cmd/internal/batch",
	"github.com/wxctl/wxctl/cmd/internal/seedcmp",
	"github.com/wxctl/wxctl/cmd/internal/session",
	"github.com/wxctl/wxctl/cmd/internal/smoke",
	"github.com/wxctl/wxctl/cmd/internal/table",
}

// TestEnginesDoNotImportCmd: no engine imports urfave/cli or cmd, not
// even through another package (go list -deps).
func TestEnginesDoNotImportCmd(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	for _, pkg := range engines {
		out, err := exec.Command(goTool, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/urfave/cli") || dep == "github.com/wxctl/wxctl/cmd" {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}

// TestCmdStaysWiring: cmd holds at most 25 files of code, none over 400
// lines; the engines hold the rest.
func TestCmdStaysWiring(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		n++
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(string(b), "\n"); lines > 400 {
			t.Errorf("%s has %d lines, want at most 400", f, lines)
		}
	}
	if n > 25 {
		t.Errorf("cmd holds %d files of code, want at most 25", n)
	}
}
