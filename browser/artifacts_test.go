package browser

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestConsoleAndScreenshot(t *testing.T) {
	p, _ := testApp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := p.Eval(ctx, `console.warn('disk', 42, {a: 1})`); err != nil {
		t.Fatal(err)
	}
	var got []ConsoleMessage
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = p.Console(); len(got) > 0 && got[len(got)-1].Text != "" {
			break
		}
	}
	if len(got) == 0 || got[len(got)-1].Type != "warning" || got[len(got)-1].Text != "disk 42 Object" {
		t.Errorf("console = %+v, want a warning 'disk 42 Object'", got)
	}
	png, err := p.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot is not a PNG (%d bytes)", len(png))
	}
}
