package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wxctl/wxctl/sandbox"
)

// TestSmokeCatchesDrift runs the sandbox contract against a sandbox whose
// page code changed the way the real client might: each change fails the
// check that guards it, with a reason that names it, and leaves a
// screenshot and the console log among the artifacts.
func TestSmokeCatchesDrift(t *testing.T) {
	needBrowser(t)
	tests := []struct {
		drift   sandbox.Drift
		check   string
		message string
	}{
		{sandbox.DriftRenamedService, "chatroomFactory", "chatroomFactory"},
		{sandbox.DriftCreateResolves, "create rejects a refusal", "resolved"},
		{sandbox.DriftCreateWithoutTopic, "create request and answer have the seed's shape", "Topic"},
	}
	for _, tt := range tests {
		t.Run(tt.check, func(t *testing.T) {
			_, url := startSandbox(t, sandbox.WithDrift(tt.drift))
			artifacts := filepath.Join(t.TempDir(), "artifacts")
			code, report, stderr := smokeJSONRun(t, append(onSandbox(url), "--artifacts", artifacts,
				filepath.Join(smokeDir, "sandbox-contract.yaml"))...)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (a check failed); stderr %q", code, stderr)
			}
			c := checkByName(t, report, tt.check)
			if c.Status != "fail" || !strings.Contains(c.Message, tt.message) {
				t.Errorf("check %q: %s %q, want a failure mentioning %q", tt.check, c.Status, c.Message, tt.message)
			}
			shots, _ := filepath.Glob(filepath.Join(artifacts, "*", "screenshot.png"))
			if len(shots) == 0 {
				t.Error("no screenshot among the artifacts")
			}
			for _, s := range shots {
				if b, err := os.ReadFile(s); err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
					t.Errorf("%s is not a PNG", s)
				}
			}
		})
	}
}
