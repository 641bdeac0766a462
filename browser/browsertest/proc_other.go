//go:build !unix

package browsertest

import "os/exec"

func ownGroup(cmd *exec.Cmd) {}

// killGroup kills the browser; on systems without process groups its
// children end with it.
func killGroup(cmd *exec.Cmd) { cmd.Process.Kill() }
