package browser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/scripts"
)

// Create a group through the app's own chatroomFactory and read the
// request it made from the page's network traffic. It needs a browser and a
// logged-in web WeChat, so it is compiled, not run.
func Example_createRoom() {
	ctx := context.Background()
	b, err := browser.Start(ctx, browser.WithProfile("")) // the default profile keeps the session
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	p, err := b.NewPage(ctx)
	if err != nil {
		log.Fatal(err)
	}

	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.Open(octx, "https://wx.qq.com/"); err != nil {
		log.Fatal(err) // a *browser.NotAppError says what the page was instead
	}

	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	mark := p.LastSeq()
	members := []map[string]string{{"UserName": "@d909…"}, {"UserName": "@53f3…"}}
	res, err := p.Call(cctx, "chatroomFactory", "create", members)
	if err != nil {
		log.Fatal(err)
	}
	if !res.Resolved {
		fmt.Printf("WeChat refused: %s\n", browser.Redact(res.Value))
	}
	call, err := p.WaitCall(cctx, func(c browser.NetCall) bool {
		return c.Seq > mark && c.Endpoint == "webwxcreatechatroom"
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %d %s\n", call.Method, call.Status, browser.Redact(call.ResponseBody))
}

// Run one embedded script with JSON arguments.
func ExamplePage_Run() {
	ctx := context.Background()
	b, err := browser.Start(ctx, browser.WithTempProfile())
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	p, err := b.NewPage(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Open(ctx, "http://127.0.0.1:8080/"); err != nil {
		log.Fatal(err)
	}
	raw, err := p.Run(ctx, scripts.PageInfo, 80)
	if err != nil {
		log.Fatal(err)
	}
	var info struct{ Title string }
	_ = json.Unmarshal(raw, &info)
	fmt.Println(info.Title)
}

// Mask the session's secrets before showing a capture.
func ExampleRedact() {
	body := []byte(`{"BaseRequest":{"Uin":488765359,"Sid":"UMbxr71Njdylap27","Skey":"@crypt_7382455a_ea46","DeviceID":"e494907203492397"},"MemberCount":2}`)
	fmt.Println(string(browser.Redact(body)))
	fmt.Println(string(browser.Redact([]byte("https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxinit?r=1&pass_ticket=abc%2Bd&lang=en"))))
	// Output:
	// {"BaseRequest":{"Uin":"***","Sid":"***","Skey":"***","DeviceID":"***"},"MemberCount":2}
	// https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxinit?r=1&pass_ticket=***&lang=en
}
