package feeds

import (
	"errors"
	"net"
	"syscall"
)

// idleRawConn is the socket of conn, for idleQuiet; nil when conn has
// none (it is not a TCP connection).
func idleRawConn(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// idleQuiet reports whether the idle connection whose socket is rc is as
// it was left: the server has not closed it and, for plain HTTP
// (encrypted false), sent nothing since the last answer (an unsolicited
// answer, such as a 408, must not be read as the answer to the next
// request). Over TLS a byte may be a TLS message that is not an answer
// (a session ticket), so only a close counts. It is one non-blocking
// peek, so that a stale connection is dropped before a request is written
// on it.
func idleQuiet(rc syscall.RawConn, encrypted bool) bool {
	if rc == nil {
		return true
	}
	var buf [1]byte
	quiet := false
	err := rc.Read(func(fd uintptr) bool {
		for {
			n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch {
			case errors.Is(err, syscall.EINTR):
				continue
			case errors.Is(err, syscall.EAGAIN):
				quiet = true // nothing to read
			case err != nil, n == 0:
				quiet = false // an error, or the server's FIN
			default:
				quiet = encrypted // a byte
			}
			return true
		}
	})
	return err == nil && quiet
}
