package browsertest

import (
	"strings"
	"testing"
)

func TestShared(t *testing.T) {
	remote, stop, err := Shared(Path(t))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(remote, "ws://127.0.0.1:") {
		t.Fatalf("remote %q, want a ws://127.0.0.1 endpoint", remote)
	}
}
