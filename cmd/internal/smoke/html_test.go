package smoke

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHTMLReportEscapesAndEmbeds: names are escaped, the screenshot is a
// data: URL (html/template would turn a plain string into #ZgotmplZ), the
// secrets are masked and nothing is fetched from the network.
func TestHTMLReportEscapesAndEmbeds(t *testing.T) {
	r := finishedRun(t)
	failed := r.ordered[1]
	failed.screenshot = []byte("\x89PNG\r\n\x1a\n")
	failed.console = "# console\nerror boom\n"
	failed.tries = []attempt{{message: "first try: Skey=@crypt_0123456789abcdef"}}
	failed.status = StatusPass // flaky
	path := filepath.Join(t.TempDir(), "r.html")
	if err := WriteHTML(path, r, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, want := range []string{
		`app &lt;up&gt; &amp; &#34;ready&#34;`,
		`src="data:image/png;base64,iVBORw0KGgo="`,
		`class="check flaky"`,
		`data-status="flaky"`,
		`id="show-fail"`,
		"error boom",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	for _, bad := range []string{"ZgotmplZ", "0123456789abcdef", "http://", "https://", "<script src", "<link"} {
		if strings.Contains(strings.ReplaceAll(html, "http://127.0.0.1:1/", ""), bad) {
			t.Errorf("the report holds %q", bad)
		}
	}
}
