package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/chromedp/cdproto/fetch"
)

// The desktop ("UOS") variant of the log-in: WeChat lets some accounts that
// it refuses on the web (1203) log in as its desktop client for UOS Linux,
// which opens the same web app with target=t in the entry URL and sends two
// more headers on one request, webwxnewloginpage: client-version: 2.0.0 and
// extspam: <the desktop client's token>.

// UOSClientVersion is the client-version header of the desktop client.
const UOSClientVersion = "2.0.0"

// ErrNoExtspamToken means the desktop log-in was asked for without the
// extspam token it needs.
var ErrNoExtspamToken = errors.New("the desktop (UOS) log-in needs the extspam token of WeChat's desktop client")

// loginPagePattern is the Fetch pattern of webwxnewloginpage requests, on
// any host (the log-in may move the page to wx2.qq.com).
const loginPagePattern = "*/cgi-bin/mmwebwx-bin/webwxnewloginpage*"

// UOSURL returns the entry URL of the desktop variant: rawURL with
// target=t in its query.
func UOSURL(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("the URL %q: %w", rawURL, err)
	}
	q := u.Query()
	q.Set("target", "t")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// EnableUOS makes the page's webwxnewloginpage requests, and no other
// request, carry the desktop client's headers: client-version: 2.0.0 and
// extspam: token. It uses the DevTools Fetch domain of this tab (no proxy),
// which every tab has watching that request (intercept.go): the browser
// pauses each such request, wxctl adds the two headers and lets it go on.
// Call it before Open; it lasts until the page closes. The token is a
// secret: it is never in an error, and the recorder keeps no headers.
func EnableUOS(ctx context.Context, p *Page, token string) error {
	if token == "" {
		return ErrNoExtspamToken
	}
	if err := p.alive(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	p.uosToken = token
	p.mu.Unlock()
	if err := p.interceptLogin(ctx); err != nil {
		return fmt.Errorf("intercepting webwxnewloginpage for the desktop log-in: %w", err)
	}
	return nil
}

// isLoginPage reports whether a URL is a webwxnewloginpage request: the
// pattern also matches other URLs that merely mention the name.
func isLoginPage(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && path.Base(u.Path) == "webwxnewloginpage" && strings.Contains(u.Path, apiPath)
}

// uosHeaders returns the request's headers with the desktop client's two
// added (replacing any of the same name).
func uosHeaders(h map[string]any, token string) []*fetch.HeaderEntry {
	out := make([]*fetch.HeaderEntry, 0, len(h)+2)
	for name, v := range h {
		switch strings.ToLower(name) {
		case "client-version", "extspam":
			continue
		}
		out = append(out, &fetch.HeaderEntry{Name: name, Value: fmt.Sprint(v)})
	}
	return append(out,
		&fetch.HeaderEntry{Name: "client-version", Value: UOSClientVersion},
		&fetch.HeaderEntry{Name: "extspam", Value: token})
}
