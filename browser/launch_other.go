//go:build !linux

package browser

import "os/exec"

// dieWithParent does nothing where the kernel has no parent-death signal,
// as chromedp's own default.
func dieWithParent(*exec.Cmd) {}
