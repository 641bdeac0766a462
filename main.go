// Command wxctl drives web WeChat (wx.qq.com) in a real Chrome by calling the
// web app's own AngularJS services. Run wxctl --help, or wxctl demo.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wxctl/wxctl/cmd"
)

func main() {
	// A signal cancels the context, so the browser closes and deferred
	// clean-up runs before we exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Main(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
