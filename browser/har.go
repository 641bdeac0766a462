package browser

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
)

// HAR is an HTTP Archive 1.2 document (http://www.softwareishard.com/blog/har-12-spec/),
// the format Chrome DevTools, Firefox and HAR viewers import. WriteHAR
// writes the app's recorded API calls as one; the types are exported to
// read a file back.
type HAR struct {
	Log HARLog `json:"log"`
}

// HARLog is the root of a HAR document.
type HARLog struct {
	Version string     `json:"version"`
	Creator HARCreator `json:"creator"`
	Pages   []HARPage  `json:"pages"`
	Entries []HAREntry `json:"entries"`
	Comment string     `json:"comment,omitempty"`
}

// HARCreator names the program that wrote the file.
type HARCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// HARPage is the page the calls were made from.
type HARPage struct {
	StartedDateTime string         `json:"startedDateTime"`
	ID              string         `json:"id"`
	Title           string         `json:"title"`
	PageTimings     HARPageTimings `json:"pageTimings"`
}

// HARPageTimings are the page's load times; -1 as wxctl does not wait for
// them (web WeChat's load event can take 25 s).
type HARPageTimings struct {
	OnContentLoad float64 `json:"onContentLoad"`
	OnLoad        float64 `json:"onLoad"`
}

// HAREntry is one request and its answer.
type HAREntry struct {
	PageRef         string      `json:"pageref,omitempty"`
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"` // ms, the sum of Timings' phases
	Request         HARRequest  `json:"request"`
	Response        HARResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         HARTimings  `json:"timings"`
	Comment         string      `json:"comment,omitempty"`
}

// HARRequest is the request of an entry.
type HARRequest struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []HARNameValue `json:"cookies"`
	Headers     []HARNameValue `json:"headers"`
	QueryString []HARNameValue `json:"queryString"`
	PostData    *HARPostData   `json:"postData,omitempty"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int            `json:"bodySize"`
}

// HARResponse is the answer of an entry; Status 0 when none came.
type HARResponse struct {
	Status      int            `json:"status"`
	StatusText  string         `json:"statusText"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []HARNameValue `json:"cookies"`
	Headers     []HARNameValue `json:"headers"`
	Content     HARContent     `json:"content"`
	RedirectURL string         `json:"redirectURL"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int            `json:"bodySize"`
	Comment     string         `json:"comment,omitempty"`
}

// HARNameValue is a header, a query parameter or a cookie.
type HARNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// HARPostData is a request's body.
type HARPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Comment  string `json:"comment,omitempty"`
}

// HARContent is an answer's body.
type HARContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// HARTimings are an entry's phases in milliseconds; -1 for a phase that
// did not happen.
type HARTimings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	SSL     float64 `json:"ssl"`
}

// HARInfo is what a HAR says besides the calls.
type HARInfo struct {
	PageURL string    // the address the page opened, the page's title
	Opened  time.Time // when; the first call's start when zero
	Version string    // wxctl's version, the file's creator
}

// HARInfo returns the address and time of the page's last Open.
func (p *Page) HARInfo() HARInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	return HARInfo{PageURL: p.openedURL, Opened: p.openedAt}
}

// droppedBody says why an entry has no body: the recorder's bounds (see
// maxBodyBytes).
const droppedBody = "body and headers dropped: a long run keeps those of the newest calls only"

// harTime is the ISO 8601 form HAR asks for, with milliseconds.
const harTime = "2006-01-02T15:04:05.000Z07:00"

// MarshalHAR returns calls as a HAR 1.2 document, secrets redacted as
// Redact does for --capture: headers, query parameters and cookies are
// masked by name (Cookie and Set-Cookie whole), and the whole document
// then goes through Redact, which masks the bodies, the URLs and every
// session secret known by value. Calls whose bodies the recorder let go
// say so in a comment; so does the log when the oldest calls were let go.
func MarshalHAR(calls []NetCall, info HARInfo) ([]byte, error) {
	b, err := json.MarshalIndent(newHAR(calls, info), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("writing the HAR: %w", err)
	}
	return append(Redact(b), '\n'), nil
}

// WriteHAR writes calls to w as MarshalHAR does.
func WriteHAR(w io.Writer, calls []NetCall, info HARInfo) error {
	b, err := MarshalHAR(calls, info)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing the HAR: %w", err)
	}
	return nil
}

func newHAR(calls []NetCall, info HARInfo) *HAR {
	const pageID = "page_1"
	opened := info.Opened
	if opened.IsZero() && len(calls) > 0 {
		opened = calls[0].Started
	}
	if opened.IsZero() {
		opened = time.Now()
	}
	l := HARLog{
		Version: "1.2",
		Creator: HARCreator{Name: "wxctl", Version: info.Version},
		Pages: []HARPage{{
			StartedDateTime: opened.Format(harTime),
			ID:              pageID,
			Title:           RedactText(info.PageURL),
			PageTimings:     HARPageTimings{OnContentLoad: -1, OnLoad: -1},
		}},
		Entries: make([]HAREntry, 0, len(calls)),
	}
	if len(calls) > 0 && calls[0].Seq > 1 {
		l.Comment = fmt.Sprintf("the %d oldest calls were let go to bound the memory of a long run: the entries start at call %d", calls[0].Seq-1, calls[0].Seq)
	}
	for _, c := range calls {
		e := newHAREntry(c)
		e.PageRef = pageID
		l.Entries = append(l.Entries, e)
	}
	return &HAR{Log: l}
}

func newHAREntry(c NetCall) HAREntry {
	version := httpVersion(c.Protocol)
	e := HAREntry{
		StartedDateTime: c.Started.Format(harTime),
		Request: HARRequest{
			Method:      c.Method,
			URL:         RedactText(c.URL),
			HTTPVersion: version,
			Cookies:     []HARNameValue{},
			Headers:     harHeaders(c.RequestHeaders),
			QueryString: queryString(c.URL),
			HeadersSize: -1,
		},
		Response: HARResponse{
			Status:      c.Status,
			StatusText:  c.StatusText,
			HTTPVersion: version,
			Cookies:     []HARNameValue{},
			Headers:     harHeaders(c.ResponseHeaders),
			Content:     HARContent{MimeType: c.MimeType},
			RedirectURL: "",
			HeadersSize: -1,
		},
	}
	var notes []string
	if req := bodyText(c.RequestBody); req != "" || c.BodiesDropped {
		pd := &HARPostData{MimeType: headerValue(c.RequestHeaders, "Content-Type"), Text: req}
		e.Request.BodySize = len(req)
		if c.BodiesDropped {
			pd.Comment, e.Request.BodySize = droppedBody, -1
		}
		e.Request.PostData = pd
	}
	resp := bodyText(c.ResponseBody)
	e.Response.Content.Text, e.Response.Content.Size, e.Response.BodySize = resp, len(resp), len(resp)
	if c.BodiesDropped {
		e.Response.Content.Comment, e.Response.BodySize = droppedBody, -1
		notes = append(notes, droppedBody)
	}
	if e.Response.Content.MimeType == "" {
		e.Response.Content.MimeType = "x-unknown"
	}
	if c.Err != "" {
		e.Response.Comment = c.Err
		notes = append(notes, "error: "+c.Err)
	}
	if !c.Done {
		notes = append(notes, "in flight when the file was written")
	}
	e.Comment = strings.Join(notes, "; ")
	t := c.Timing
	if t == nil {
		t = &Timing{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Wait: c.Duration}
	}
	ms := func(d time.Duration) float64 {
		if d < 0 {
			return -1
		}
		return float64(d.Microseconds()) / 1000
	}
	e.Timings = HARTimings{
		Blocked: ms(t.Blocked), DNS: ms(t.DNS), Connect: ms(t.Connect), SSL: ms(t.SSL),
		Send: ms(t.Send), Wait: ms(t.Wait), Receive: ms(t.Receive),
	}
	for _, v := range []float64{e.Timings.Blocked, e.Timings.DNS, e.Timings.Connect, e.Timings.Send, e.Timings.Wait, e.Timings.Receive} {
		e.Time += max(0, v)
	}
	e.Time = math.Round(e.Time*1000) / 1000 // whole microseconds, as the phases

	return e
}

// httpVersion spells the browser's protocol as HAR does: HTTP/1.1, HTTP/2.
func httpVersion(protocol string) string {
	switch p := strings.ToLower(protocol); {
	case p == "h2":
		return "HTTP/2"
	case p == "h3" || strings.HasPrefix(p, "h3-"):
		return "HTTP/3"
	case strings.HasPrefix(p, "http/"):
		return strings.ToUpper(p)
	}
	return protocol
}

// harHeaders lists headers by name, secrets masked; the browser joins a
// repeated header with newlines, which become entries of their own.
func harHeaders(h map[string]string) []HARNameValue {
	out := []HARNameValue{}
	for name, v := range h {
		for line := range strings.SplitSeq(v, "\n") {
			out = append(out, HARNameValue{Name: name, Value: RedactField(name, line)})
		}
	}
	slices.SortStableFunc(out, func(a, b HARNameValue) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out
}

// headerValue is header name of h, in any case.
func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// queryString lists the URL's query in order, secrets masked.
func queryString(raw string) []HARNameValue {
	out := []HARNameValue{}
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return out
	}
	for part := range strings.SplitSeq(u.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if s, err := url.QueryUnescape(k); err == nil {
			k = s
		}
		if s, err := url.QueryUnescape(v); err == nil {
			v = s
		}
		out = append(out, HARNameValue{Name: k, Value: RedactField(k, v)})
	}
	return out
}

// bodyText undoes jsonBody: a body that was not JSON is held as a JSON
// string.
func bodyText(b json.RawMessage) string {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) == nil {
			return s
		}
	}
	return string(b)
}
