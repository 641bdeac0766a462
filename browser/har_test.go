package browser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxctl/wxctl/sandbox"
)

// harSpec is the structure HAR 1.2 requires (http://www.softwareishard.com/blog/har-12-spec/),
// object by object: each field's type, and whether it must be there. The
// validator below checks a file against it without knowing wxctl's types,
// so that a field the types forget fails the test.
var harSpec = map[string]map[string]harField{
	"root":        {"log": {"object:log", true}},
	"log":         {"version": {"string", true}, "creator": {"object:creator", true}, "browser": {"object:creator", false}, "pages": {"array:page", false}, "entries": {"array:entry", true}, "comment": {"string", false}},
	"creator":     {"name": {"string", true}, "version": {"string", true}, "comment": {"string", false}},
	"page":        {"startedDateTime": {"date", true}, "id": {"string", true}, "title": {"string", true}, "pageTimings": {"object:pageTimings", true}, "comment": {"string", false}},
	"pageTimings": {"onContentLoad": {"timing", false}, "onLoad": {"timing", false}, "comment": {"string", false}},
	"entry": {"pageref": {"string", false}, "startedDateTime": {"date", true}, "time": {"duration", true}, "request": {"object:request", true},
		"response": {"object:response", true}, "cache": {"object:cache", true}, "timings": {"object:timings", true},
		"serverIPAddress": {"string", false}, "connection": {"string", false}, "comment": {"string", false}},
	"request": {"method": {"string", true}, "url": {"string", true}, "httpVersion": {"string", true}, "cookies": {"array:cookie", true},
		"headers": {"array:nameValue", true}, "queryString": {"array:nameValue", true}, "postData": {"object:postData", false},
		"headersSize": {"integer", true}, "bodySize": {"integer", true}, "comment": {"string", false}},
	"response": {"status": {"integer", true}, "statusText": {"string", true}, "httpVersion": {"string", true}, "cookies": {"array:cookie", true},
		"headers": {"array:nameValue", true}, "content": {"object:content", true}, "redirectURL": {"string", true},
		"headersSize": {"integer", true}, "bodySize": {"integer", true}, "comment": {"string", false}},
	"cookie":     {"name": {"string", true}, "value": {"string", true}, "path": {"string", false}, "domain": {"string", false}, "expires": {"date", false}, "httpOnly": {"bool", false}, "secure": {"bool", false}, "comment": {"string", false}},
	"nameValue":  {"name": {"string", true}, "value": {"string", true}, "comment": {"string", false}},
	"postData":   {"mimeType": {"string", true}, "params": {"array:param", false}, "text": {"string", false}, "comment": {"string", false}},
	"param":      {"name": {"string", true}, "value": {"string", false}, "fileName": {"string", false}, "contentType": {"string", false}, "comment": {"string", false}},
	"content":    {"size": {"integer", true}, "compression": {"integer", false}, "mimeType": {"string", true}, "text": {"string", false}, "encoding": {"string", false}, "comment": {"string", false}},
	"cache":      {"beforeRequest": {"object:cacheEntry", false}, "afterRequest": {"object:cacheEntry", false}, "comment": {"string", false}},
	"cacheEntry": {"expires": {"date", false}, "lastAccess": {"date", true}, "eTag": {"string", true}, "hitCount": {"integer", true}, "comment": {"string", false}},
	"timings": {"blocked": {"timing", false}, "dns": {"timing", false}, "connect": {"timing", false}, "send": {"duration", true},
		"wait": {"duration", true}, "receive": {"duration", true}, "ssl": {"timing", false}, "comment": {"string", false}},
}

// harField is one field of harSpec. Types: string, integer, bool, date
// (ISO 8601), duration (a number, 0 or more), timing (a number, -1 when it
// does not apply), object:KIND, array:KIND.
type harField struct {
	kind     string
	required bool
}

// validateHAR returns every way in which b breaks harSpec. Fields named
// with a leading '_' are custom ones, which HAR allows.
func validateHAR(b []byte) []string {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var errs []string
	var check func(path, kind string, v any)
	check = func(path, kind string, v any) {
		bad := func(want string) { errs = append(errs, fmt.Sprintf("%s: %v is not %s", path, v, want)) }
		switch {
		case kind == "string":
			if _, ok := v.(string); !ok {
				bad("a string")
			}
		case kind == "bool":
			if _, ok := v.(bool); !ok {
				bad("a boolean")
			}
		case kind == "date":
			s, ok := v.(string)
			if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
				bad("an ISO 8601 date")
			}
		case kind == "integer", kind == "duration", kind == "timing":
			n, ok := v.(json.Number)
			f, err := n.Float64()
			switch {
			case !ok || err != nil:
				bad("a number")
			case kind == "integer" && f != math.Trunc(f):
				bad("an integer")
			case kind == "duration" && f < 0:
				bad("0 or more")
			case kind == "timing" && f < 0 && f != -1:
				bad("0 or more, or -1")
			}
		case strings.HasPrefix(kind, "array:"):
			a, ok := v.([]any)
			if !ok {
				bad("an array")
				return
			}
			for i, e := range a {
				check(fmt.Sprintf("%s[%d]", path, i), "object:"+strings.TrimPrefix(kind, "array:"), e)
			}
		case strings.HasPrefix(kind, "object:"):
			name := strings.TrimPrefix(kind, "object:")
			o, ok := v.(map[string]any)
			if !ok {
				bad("an object")
				return
			}
			spec := harSpec[name]
			for f, fs := range spec {
				fv, ok := o[f]
				if !ok {
					if fs.required {
						errs = append(errs, fmt.Sprintf("%s: %s lacks %q", path, name, f))
					}
					continue
				}
				check(path+"."+f, fs.kind, fv)
			}
			for f := range o {
				if _, known := spec[f]; !known && !strings.HasPrefix(f, "_") {
					errs = append(errs, fmt.Sprintf("%s: %s has no field %q in HAR 1.2", path, name, f))
				}
			}
		default:
			errs = append(errs, fmt.Sprintf("%s: the spec names an unknown type %q", path, kind))
		}
	}
	check("$", "object:root", doc)
	return errs
}

// TestValidateHARCatches makes sure the validator is not vacuous: a file
// without a required field, with a wrong type or with an unknown field
// fails it.
func TestValidateHARCatches(t *testing.T) {
	good, err := MarshalHAR([]NetCall{testCall(1)}, HARInfo{PageURL: "https://wx.qq.com/"})
	if err != nil {
		t.Fatal(err)
	}
	if errs := validateHAR(good); len(errs) > 0 {
		t.Fatalf("a written HAR fails: %v", errs)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"redirectURL": "",`, ``, `lacks "redirectURL"`},
		{`"status": 200,`, `"status": 200.5,`, `is not an integer`},
		{`"headersSize": -1,`, `"headersSize": -1, "headerSize": 0,`, `no field "headerSize"`},
		{`"startedDateTime": "`, `"startedDateTime": "x`, `ISO 8601`},
	} {
		broken := bytes.Replace(good, []byte(tc.from), []byte(tc.to), 1)
		if bytes.Equal(broken, good) {
			t.Fatalf("%q is not in the file", tc.from)
		}
		if errs := validateHAR(broken); !strings.Contains(strings.Join(errs, "\n"), tc.want) {
			t.Errorf("replacing %q: errors %v, want one with %q", tc.from, errs, tc.want)
		}
	}
}

// testCall is a done call with the session's secrets everywhere a real one
// has them: the URL, the cookies, the body, the answer.
func testCall(seq int) NetCall {
	return NetCall{
		Seq:          seq,
		Endpoint:     "webwxsync",
		URL:          "https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxsync?sid=SIDSECRET1&skey=@crypt_1234abcd_SKEYSECRET&pass_ticket=PTSECRET123",
		Method:       "POST",
		RequestBody:  json.RawMessage(`{"BaseRequest":{"Uin":7654321,"Sid":"SIDSECRET1","Skey":"@crypt_1234abcd_SKEYSECRET","DeviceID":"e123456789012345"},"rr":1}`),
		Status:       200,
		ResponseBody: json.RawMessage(`{"BaseResponse":{"Ret":0,"ErrMsg":""},"SKey":"@crypt_1234abcd_SKEYSECRET"}`),
		Done:         true,
		Started:      time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC),
		Duration:     12 * time.Millisecond,
		RequestHeaders: map[string]string{
			"Content-Type": "application/json;charset=UTF-8",
			"Cookie":       "wxuin=7654321; wxsid=SIDSECRET1; webwx_data_ticket=DTSECRET12",
			"Referer":      "https://wx.qq.com/?pass_ticket=PTSECRET123",
		},
		ResponseHeaders: map[string]string{
			"Content-Type": "application/json",
			"Set-Cookie":   "wxuin=7654321; Path=/\nwebwx_auth_ticket=ATSECRET12; Path=/",
		},
		StatusText: "OK",
		MimeType:   "application/json",
		Protocol:   "http/1.1",
		Timing:     &Timing{Blocked: 2 * time.Millisecond, DNS: -1, Connect: -1, SSL: -1, Send: time.Millisecond, Wait: 8 * time.Millisecond, Receive: time.Millisecond},
	}
}

// TestHARRedactsAndReadsBack writes a call that carries the session's
// secrets in the URL, the cookies, the headers and the bodies: the file
// passes the structure test, reads back into what was recorded, and holds
// no secret.
func TestHARRedactsAndReadsBack(t *testing.T) {
	c := testCall(1)
	b, err := MarshalHAR([]NetCall{c}, HARInfo{PageURL: "https://wx.qq.com/?pass_ticket=PTSECRET123", Version: "v9"})
	if err != nil {
		t.Fatal(err)
	}
	if errs := validateHAR(b); len(errs) > 0 {
		t.Fatalf("not HAR 1.2: %v", errs)
	}
	for _, secret := range []string{"SIDSECRET1", "SKEYSECRET", "PTSECRET123", "7654321", "e123456789012345", "DTSECRET12", "ATSECRET12"} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the HAR holds the secret %s", secret)
		}
	}
	var h HAR
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	if h.Log.Version != "1.2" || h.Log.Creator.Version != "v9" || len(h.Log.Pages) != 1 || len(h.Log.Entries) != 1 {
		t.Fatalf("log %+v", h.Log)
	}
	e := h.Log.Entries[0]
	if e.PageRef != h.Log.Pages[0].ID || e.Request.Method != "POST" || e.Response.Status != 200 || e.Response.StatusText != "OK" ||
		e.Request.HTTPVersion != "HTTP/1.1" || e.Response.Content.MimeType != "application/json" {
		t.Errorf("entry %+v", e)
	}
	if got, _ := time.Parse(time.RFC3339Nano, e.StartedDateTime); !got.Equal(c.Started) {
		t.Errorf("startedDateTime %s, want %s", e.StartedDateTime, c.Started)
	}
	if e.Timings != (HARTimings{Blocked: 2, DNS: -1, Connect: -1, SSL: -1, Send: 1, Wait: 8, Receive: 1}) || e.Time != 12 {
		t.Errorf("time %v, timings %+v", e.Time, e.Timings)
	}
	if e.Request.PostData == nil || !jsonEqual(t, []byte(e.Request.PostData.Text), Redact(c.RequestBody)) ||
		!jsonEqual(t, []byte(e.Response.Content.Text), Redact(c.ResponseBody)) {
		t.Errorf("bodies %+v %+v, want the recorded ones redacted", e.Request.PostData, e.Response.Content)
	}
	header := func(hs []HARNameValue, name string) []string {
		var vs []string
		for _, h := range hs {
			if http.CanonicalHeaderKey(h.Name) == name {
				vs = append(vs, h.Value)
			}
		}
		return vs
	}
	if got := header(e.Request.Headers, "Cookie"); len(got) != 1 || got[0] != masked {
		t.Errorf("Cookie %q, want one masked", got)
	}
	if got := header(e.Response.Headers, "Set-Cookie"); len(got) != 2 || got[0] != masked || got[1] != masked {
		t.Errorf("Set-Cookie %q, want two, masked", got)
	}
	if got := header(e.Request.Headers, "Content-Type"); len(got) != 1 || got[0] != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type %q", got)
	}
	var q []string
	for _, p := range e.Request.QueryString {
		q = append(q, p.Name+"="+p.Value)
	}
	if strings.Join(q, "&") != "sid=***&skey=***&pass_ticket=***" {
		t.Errorf("queryString %q", q)
	}
}

// TestHARSaysWhatWasDropped: a long run's HAR says that its oldest calls
// were let go and which bodies the recorder dropped, and stays HAR.
func TestHARSaysWhatWasDropped(t *testing.T) {
	kept := testCall(301)
	dropped := testCall(300)
	dropped.RequestBody, dropped.ResponseBody, dropped.BodiesDropped = nil, nil, true
	inFlight := NetCall{Seq: 302, Endpoint: "synccheck", URL: "https://wx.qq.com/cgi-bin/mmwebwx-bin/synccheck?r=1", Method: "GET", Started: time.Now()}
	b, err := MarshalHAR([]NetCall{dropped, kept, inFlight}, HARInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if errs := validateHAR(b); len(errs) > 0 {
		t.Fatalf("not HAR 1.2: %v", errs)
	}
	var h HAR
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.Log.Comment, "299 oldest calls") {
		t.Errorf("log comment %q, want the 299 calls let go", h.Log.Comment)
	}
	d := h.Log.Entries[0]
	if d.Response.Content.Comment != droppedBody || d.Request.PostData == nil || d.Request.PostData.Comment != droppedBody ||
		d.Response.BodySize != -1 || d.Request.BodySize != -1 || !strings.Contains(d.Comment, "dropped") {
		t.Errorf("dropped entry %+v", d)
	}
	if k := h.Log.Entries[1]; k.Comment != "" || k.Response.Content.Comment != "" || k.Response.Content.Text == "" {
		t.Errorf("kept entry %+v", k)
	}
	if f := h.Log.Entries[2]; f.Response.Status != 0 || !strings.Contains(f.Comment, "in flight") {
		t.Errorf("in-flight entry %+v", f)
	}
}

// TestSandboxHAR records the sandbox app's own start-up and a group's
// creation in Chromium: the HAR has every recorded call with the
// browser's headers and timings, reads back into the recorded calls, and
// holds none of the session's secrets.
func TestSandboxHAR(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := newSandbox(t)
	p := openApp(t, b, url)
	ctx := callCtx(t)
	if _, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Endpoint == "webwxgetcontact" }); err != nil {
		t.Fatal(err)
	}
	mark := p.LastSeq()
	if _, err := p.Call(ctx, "chatroomFactory", "create", []map[string]string{{"UserName": sandbox.Rain1ove}, {"UserName": sandbox.HuiTao}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Seq > mark && c.Endpoint == "webwxcreatechatroom" }); err != nil {
		t.Fatal(err)
	}
	calls := p.Calls()
	data, err := MarshalHAR(calls, p.HARInfo())
	if err != nil {
		t.Fatal(err)
	}
	if errs := validateHAR(data); len(errs) > 0 {
		t.Fatalf("not HAR 1.2: %v", errs)
	}
	s := srv.Session()
	for name, v := range map[string]string{"Uin": strconv.FormatInt(s.Uin, 10), "Sid": s.Sid, "Skey": s.Skey, "pass_ticket": s.PassTicket,
		"webwx_data_ticket": s.DataTicket, "webwx_auth_ticket": s.AuthTicket, "webwxuvid": s.UVID} {
		if v != "" && bytes.Contains(data, []byte(v)) {
			t.Errorf("the HAR holds the session's %s", name)
		}
	}
	var h HAR
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Log.Entries) != len(calls) || h.Log.Pages[0].Title != url {
		t.Fatalf("%d entries for %d calls, page %q", len(h.Log.Entries), len(calls), h.Log.Pages[0].Title)
	}
	for i, c := range calls {
		e := h.Log.Entries[i]
		if e.Request.URL != RedactText(c.URL) || e.Request.Method != c.Method || e.Response.Status != c.Status {
			t.Errorf("entry %d: %s %s %d, want %s %s %d", i, e.Request.Method, e.Request.URL, e.Response.Status, c.Method, RedactText(c.URL), c.Status)
		}
		if c.Endpoint != "webwxcreatechatroom" {
			continue
		}
		if len(e.Request.Headers) == 0 || len(e.Response.Headers) == 0 {
			t.Errorf("create: no headers: %+v %+v", e.Request.Headers, e.Response.Headers)
		}
		cookie := false
		for _, h := range e.Request.Headers {
			cookie = cookie || strings.EqualFold(h.Name, "Cookie") && h.Value == masked
		}
		if !cookie {
			t.Errorf("create: no masked Cookie header among %+v", e.Request.Headers)
		}
		if e.Timings.Wait <= 0 || e.Timings.Send < 0 || e.Timings.Receive < 0 || e.Timings.Blocked < 0 ||
			math.Abs(e.Time-c.Duration.Seconds()*1000) > 1 {
			t.Errorf("create: time %v (recorded %v), timings %+v", e.Time, c.Duration, e.Timings)
		}
		var body struct{ BaseRequest struct{ Skey string } }
		if e.Request.PostData == nil || json.Unmarshal([]byte(e.Request.PostData.Text), &body) != nil || body.BaseRequest.Skey != masked {
			t.Errorf("create: postData %+v, want the JSON body with Skey masked", e.Request.PostData)
		}
		if !strings.Contains(e.Response.Content.Text, `"ChatRoomName"`) || e.Response.Content.Size != len(e.Response.Content.Text) {
			t.Errorf("create: content %+v", e.Response.Content)
		}
	}
}
