package browser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{
			"seed request",
			`{"MemberCount": 2, "BaseRequest": {"Uin": 488765359, "Sid": "UMbxr71Njdylap27", "Skey": "@crypt_7382455a_ea46cb6e96eb89aa5e5caaccb64c27fd", "DeviceID": "e494907203492397"}}`,
			`{"MemberCount": 2, "BaseRequest": {"Uin": "***", "Sid": "***", "Skey": "***", "DeviceID": "***"}}`,
		},
		{
			"login ticket in a URL",
			`"https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=A8qwapRV_lQ44viWM0mZmnpm@qrticket_0&uuid=gfNHoe0rMA==&lang=zh_CN&scan=1"`,
			`"https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=***&uuid=gfNHoe0rMA==&lang=zh_CN&scan=1"`,
		},
		{
			"nesting, arrays, spacing kept",
			"[{\"a\": [{\"wxsid\" :\n \"x\"}]}, {\"pass_ticket\":null}, {\"Skey\": {\"deep\": [1, \"2\"]}}]",
			"[{\"a\": [{\"wxsid\" :\n \"***\"}]}, {\"pass_ticket\":null}, {\"Skey\": \"***\"}]",
		},
		{
			"other keys untouched",
			`{"UserName":"@abc","NickName":"Quinn","OwnerUin":0,"Uins":[1],"Ret":0}`,
			`{"UserName":"@abc","NickName":"Quinn","OwnerUin":0,"Uins":[1],"Ret":0}`,
		},
		{
			"URLs inside JSON strings",
			`{"HeadImgUrl":"/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=1&username=@@x&skey=@crypt_ab_cd","Url":"https://wx.qq.com/?pass_ticket=a%2Bb&lang=en"}`,
			`{"HeadImgUrl":"/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=1&username=@@x&skey=***","Url":"https://wx.qq.com/?pass_ticket=***&lang=en"}`,
		},
		{
			"JSON inside a JSON string",
			`{"Body":"{\"Sid\":\"abc\",\"Ok\":1}"}`,
			`{"Body":"{\"Sid\":\"***\",\"Ok\":1}"}`,
		},
		{
			"headers as JSON",
			`{"Cookie":"wxuin=1; wxsid=2","Set-Cookie":["webwx_data_ticket=3"],"Accept":"*/*"}`,
			`{"Cookie":"***","Set-Cookie":"***","Accept":"*/*"}`,
		},
		{
			"escaped key",
			`{"\u0053key":"abc"}`,
			`{"\u0053key":"***"}`,
		},
		{
			"URL",
			"https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxinit?r=1&lang=zh_CN&pass_ticket=Ab%2Fc&skey=@crypt_1_2&DeviceID=e1",
			"https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxinit?r=1&lang=zh_CN&pass_ticket=***&skey=***&DeviceID=***",
		},
		{
			"cookie headers",
			"GET / HTTP/1.1\r\nCookie: wxuin=488765359; wxsid=UMb; mm_lang=zh_CN\r\nset-cookie: webwx_auth_ticket=x; Path=/\r\nAccept: */*",
			"GET / HTTP/1.1\r\nCookie: ***\r\nset-cookie: ***\r\nAccept: */*",
		},
		{
			"cookie string",
			"wxuin=488765359; wxsid=UMb; webwxuvid=abc; mm_lang=zh_CN",
			"wxuin=***; wxsid=***; webwxuvid=***; mm_lang=zh_CN",
		},
		{
			"newloginpage XML",
			"<error><ret>0</ret><message></message><skey>@crypt_1_2</skey><wxsid>UMb</wxsid><wxuin>488765359</wxuin><pass_ticket>a%2Bb</pass_ticket><isgrayscale>1</isgrayscale></error>",
			"<error><ret>0</ret><message></message><skey>***</skey><wxsid>***</wxsid><wxuin>***</wxuin><pass_ticket>***</pass_ticket><isgrayscale>1</isgrayscale></error>",
		},
		{
			"JSON cut short",
			`{"BaseRequest":{"Uin":488765359,"Sid":"UMbx`,
			`{"BaseRequest":{"Uin":"***","Sid":"***"`,
		},
		{
			"plain text",
			"session Skey: @crypt_9_9, uin = 42 and a lone @crypt_ab_12 too",
			"session Skey: ***, uin = *** and a lone *** too",
		},
		{
			"nothing to hide",
			`{"Count":1,"List":[{"UserName":"@@60be","ChatRoomId":""}]}`,
			`{"Count":1,"List":[{"UserName":"@@60be","ChatRoomId":""}]}`,
		},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(Redact([]byte(tc.in)))
			if got != tc.want {
				t.Errorf("Redact(%s)\n got %s\nwant %s", tc.in, got, tc.want)
			}
			if json.Valid([]byte(tc.in)) && !json.Valid([]byte(got)) {
				t.Errorf("valid JSON became invalid: %s", got)
			}
		})
	}
}

// TestRedactSeed masks every secret of the seed capture.
func TestRedactSeed(t *testing.T) {
	seed, err := os.ReadFile("../../shared/seeds/000_d435c6d000276e86.txt")
	if err != nil {
		seed, err = os.ReadFile("/work/shared/seeds/000_d435c6d000276e86.txt")
	}
	if err != nil {
		t.Skip("no seed file here")
	}
	out := Redact(seed)
	for _, secret := range []string{"488765359", "UMbxr71Njdylap27", "@crypt_7382455a", "e494907203492397", "e873795171117613"} {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("the secret %s survived", secret)
		}
	}
	if !bytes.Contains(out, []byte("@d90971cfd323a2e2c13d345a9e1ca5c5608fefdae670c1ce470b2d10a86fd847")) {
		t.Error("a UserName (not a secret) was masked")
	}
}

func TestRedactDoesNotAlias(t *testing.T) {
	in := []byte(`{"a":1}`)
	out := Redact(in)
	out[0] = 'x'
	if in[0] != '{' {
		t.Error("Redact returned its input")
	}
}

// plantTemplates build inputs with a secret in each place a session secret
// shows up; filler is arbitrary text around it.
var plantTemplates = []func(secret, number string, filler []byte) []byte{
	func(s, n string, f []byte) []byte {
		return fmt.Appendf(nil, `{"BaseRequest":{"Uin":%s,"Sid":%q,"Skey":"@crypt_%s","DeviceID":"e%s"},"Note":%s}`, n, s, s, s, jsonString(f))
	},
	func(s, n string, f []byte) []byte {
		return fmt.Appendf(nil, `[%s,{"x":[{"wxsid":%q,"list":[{"pass_ticket":[%q,%s]}]}]}]`, jsonString(f), s, s, n)
	},
	func(s, n string, f []byte) []byte {
		return fmt.Appendf(nil, `{"Url":"https://wx.qq.com/?skey=%s&pass_ticket=%s","Body":%q,"Set-Cookie":["wxuin=%s"]}`, s, s, `{"Sid":"`+s+`"}`, n)
	},
	func(s, n string, f []byte) []byte {
		return fmt.Appendf(f, "&pass_ticket=%s&wxuin=%s\nCookie: wxsid=%s; webwx_data_ticket=%s\n", s, n, s, s)
	},
	func(s, n string, f []byte) []byte {
		return fmt.Appendf(nil, "%s<skey>@crypt_%s</skey><wxsid>%s</wxsid><wxuin>%s</wxuin><pass_ticket>%s</pass_ticket>", f, s, s, n, s)
	},
	func(s, n string, f []byte) []byte {
		return fmt.Appendf(nil, "%s {\"Skey\":\"%s\",\"Uin\":%s", f, s, n) // cut short
	},
}

func jsonString(b []byte) []byte {
	s, _ := json.Marshal(string(b))
	return s
}

var notAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// FuzzRedact checks that a planted secret never survives and that valid
// JSON stays valid, whatever the input around it.
func FuzzRedact(f *testing.F) {
	f.Add([]byte(`{"BaseRequest":{"Uin":1,"Sid":"x","Skey":"@crypt_1_2","DeviceID":"e1"}}`), "UMbxr71Njdylap27")
	f.Add([]byte("wxuin=1; wxsid=2"), "secret")
	f.Add([]byte(`"\u0073key"`), "abcdefgh")
	f.Add([]byte("<skey>"), "Zz9")
	f.Add([]byte{0xff, '"', '\\'}, "x")
	f.Fuzz(func(t *testing.T, data []byte, secret string) {
		out := Redact(data)
		if json.Valid(data) && !json.Valid(out) {
			t.Fatalf("valid JSON became invalid:\n in %q\nout %q", data, out)
		}
		// A distinctive secret: letters and digits behind a marker no
		// template holds; a number made from its bytes.
		s := "Qx7" + notAlnum.ReplaceAllString(secret, "")
		var n strings.Builder
		n.WriteString("9")
		for _, c := range []byte(s) {
			fmt.Fprintf(&n, "%d", c%10)
		}
		for n.Len() < 9 {
			n.WriteString("7")
		}
		if bytes.Contains(data, []byte(s)) || bytes.Contains(data, []byte(n.String())) {
			return
		}
		for i, plant := range plantTemplates {
			in := plant(s, n.String(), data)
			out := Redact(in)
			if bytes.Contains(out, []byte(s)) || bytes.Contains(out, []byte(n.String())) {
				t.Fatalf("template %d: a secret survived:\n in %q\nout %q", i, in, out)
			}
			if json.Valid(in) && !json.Valid(out) {
				t.Fatalf("template %d: valid JSON became invalid:\n in %q\nout %q", i, in, out)
			}
		}
	})
}

func BenchmarkRedact(b *testing.B) {
	var list []map[string]any
	for i := range 2000 {
		list = append(list, map[string]any{
			"Uin": 0, "UserName": fmt.Sprintf("@%064x", i), "NickName": "Quinn 迴焘願點",
			"HeadImgUrl": fmt.Sprintf("/cgi-bin/mmwebwx-bin/webwxgeticon?seq=%d&username=@x&skey=@crypt_1_2", i),
		})
	}
	body, _ := json.Marshal(map[string]any{"BaseResponse": map[string]any{"Ret": 0}, "MemberList": list})
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		Redact(body)
	}
}
