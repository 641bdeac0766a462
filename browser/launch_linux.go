package browser

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the browser when wxctl dies, as
// chromedp's own default does (which a ModifyCmdFunc replaces).
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
