//go:build !unix

package pdf

import "os/exec"

// setProcessGroup leaves cmd as it is: without process groups, cancellation
// kills the tool itself (exec.CommandContext's default).
func setProcessGroup(cmd *exec.Cmd) {}
