package sandbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

var qrImageRE = regexp.MustCompile(`window\.QRLogin\.qrcodeImage = "data:image/png;base64,([^"]+)";`)

// TestQRImage: the picture jslogin sends with the uuid is a real QR code of
// the log-in URL, as the real login host's qrcode/<uuid> is.
func TestQRImage(t *testing.T) {
	c := newClient(t, WithLoggedIn(false))
	_, body := c.get("/jslogin?appid=wx782c26e4c19acffb&fun=new&lang=zh_CN")
	uuid := uuidRE.FindStringSubmatch(string(body))
	img := qrImageRE.FindStringSubmatch(string(body))
	if uuid == nil || img == nil {
		t.Fatalf("jslogin: %s", body)
	}
	raw, err := decodeBase64(img[1])
	if err != nil {
		t.Fatal(err)
	}
	pic, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	src := gozxing.NewLuminanceSourceFromImage(pic)
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR picture does not decode: %v", err)
	}
	if got, want := res.GetText(), LoginURL(uuid[1]); got != want || c.s.QRCode() != uuid[1] {
		t.Errorf("QR code says %q, want %q (on screen: %q)", got, want, c.s.QRCode())
	}
}

func TestAutoLogin(t *testing.T) {
	c := newClient(t, WithLoggedIn(false))
	c.s.AutoLogin(40 * time.Millisecond)
	start := time.Now()
	uuid := c.qr()
	// The long poll answers each change as it happens: 408 while nothing
	// happened, then the scan, then the confirmation.
	var codes []string
	for len(codes) < 10 {
		got := c.loginPoll(uuid)
		codes = append(codes, got[:len("window.code=200")])
		if strings.HasPrefix(got, "window.code=200;") {
			break
		}
	}
	if joined := strings.Join(codes, " "); !strings.HasSuffix(joined, "window.code=201 window.code=200") {
		t.Fatalf("polls answered %s, want 201 then 200", joined)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("confirmed after %v, before the 40ms asked", d)
	}
}

func TestWaitQR(t *testing.T) {
	c := newClient(t, WithLoggedIn(false))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan string, 1)
	go func() {
		uuid, _ := c.s.WaitQR(ctx, "")
		got <- uuid
	}()
	uuid := c.qr()
	if w := <-got; w != uuid {
		t.Errorf("WaitQR = %q, want %q", w, uuid)
	}
	short, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	if _, err := c.s.WaitQR(short, uuid); err == nil {
		t.Error("WaitQR returned for the code it was told to skip")
	}
}

func TestExpireSession(t *testing.T) {
	c := newClient(t)
	if b := base(t, c.api("webwxinit", nil)); b.Ret != 0 {
		t.Fatalf("webwxinit before: %d", b.Ret)
	}
	if code, body := c.control(`{"session":"expire"}`); code != 200 {
		t.Fatalf("control: %d %s", code, body)
	}
	if b := base(t, c.api("webwxinit", nil)); b.Ret != retLoggedOut {
		t.Errorf("webwxinit after: Ret %d, want 1101", b.Ret)
	}
	sess := c.s.Session()
	q := url.Values{"uin": {itoa(sess.Uin)}, "sid": {sess.Sid}, "skey": {sess.Skey}, "synckey": {"1_1"}}
	if _, body := c.get(apiPrefix + "synccheck?" + q.Encode()); !strings.Contains(string(body), `retcode:"1101"`) {
		t.Errorf("synccheck after: %s", body)
	}
	if _, body := c.get("/"); !strings.Contains(string(body), "isLogin: false") {
		t.Error("the page still renders logged in")
	}
}

func TestBlockLogin(t *testing.T) {
	c := newClient(t, WithLoggedIn(false))
	if code, body := c.control(`{"session":"block"}`); code != 200 {
		t.Fatalf("control: %d %s", code, body)
	}
	uuid := c.qr()
	for _, step := range []PhoneStep{PhoneScan, PhoneConfirm} {
		if err := c.s.Phone(step); err != nil {
			t.Fatal(err)
		}
	}
	c.loginPoll(uuid) // 201
	m := redirectRE.FindStringSubmatch(c.loginPoll(uuid))
	if m == nil {
		t.Fatal("no redirect_uri after the confirmation")
	}
	loginPage, _ := url.Parse(m[1])
	_, body := c.get(loginPage.RequestURI() + "&fun=new&version=v2")
	if !strings.HasPrefix(string(body), "<error><ret>1203</ret><message>为了你的帐号安全") {
		t.Errorf("webwxnewloginpage of a blocked account: %s", body)
	}
	if c.s.loggedIn() {
		t.Error("a blocked account got a session")
	}
	if code, body := c.control(`{"session":"nap"}`); code != 400 {
		t.Errorf("unknown session action: %d %s", code, body)
	}
}

// TestAssociationPush: after a log-out the page asks jslogin with the
// account's uin (webwxpushloginurl on the real site); the phone then only
// confirms.
func TestAssociationPush(t *testing.T) {
	c := newClient(t, WithLoggedIn(false))
	sess := c.s.Session()
	if _, body := c.get("/jslogin?appid=x&fun=new&uin=1"); !strings.HasPrefix(string(body), "window.QRLogin.code = 400;") {
		t.Errorf("push for another account: %s", body)
	}
	_, body := c.get("/jslogin?appid=x&fun=new&uin=" + itoa(sess.Uin))
	uuid := uuidRE.FindStringSubmatch(string(body))
	if uuid == nil {
		t.Fatalf("push: %s", body)
	}
	if err := c.s.Phone(PhoneConfirm); err != nil {
		t.Fatal(err)
	}
	if got := c.loginPoll(uuid[1]); !strings.HasPrefix(got, "window.code=200;") {
		t.Errorf("poll after the phone confirmed the push: %s", got)
	}
}

// control posts a body to the control endpoint.
func (c *client) control(body string) (int, string) {
	c.t.Helper()
	resp, raw := c.postRaw("/sandbox/control", "application/json", []byte(body))
	return resp.StatusCode, string(raw)
}

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
