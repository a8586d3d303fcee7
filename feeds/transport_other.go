//go:build !linux

package feeds

import (
	"net"
	"syscall"
)

// idleRawConn is nil here: idleQuiet cannot peek without blocking.
func idleRawConn(net.Conn) syscall.RawConn { return nil }

// idleQuiet reports true: a stale idle connection is found by the request
// written on it, and the request is retried (see leanTransport).
func idleQuiet(syscall.RawConn, bool) bool { return true }
