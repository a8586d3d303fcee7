// Package procstat reads what the tools measure of a process from /proc:
// its CPU time (/proc/PID/stat) and its memory (/proc/PID/status).
package procstat

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// CPU is a process's CPU time so far.
type CPU struct{ User, Sys time.Duration }

// Sub returns the CPU time from b to a.
func (a CPU) Sub(b CPU) CPU { return CPU{User: a.User - b.User, Sys: a.Sys - b.Sys} }

// Total is user and system time together.
func (a CPU) Total() time.Duration { return a.User + a.Sys }

// ReadCPU reads the user and system time of process pid.
func ReadCPU(pid int) (CPU, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return CPU{}, fmt.Errorf("read cpu: %w", err)
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing parenthesis (field 3 is the state).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return CPU{}, fmt.Errorf("read cpu of %d: malformed stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return CPU{}, fmt.Errorf("read cpu of %d: malformed stat", pid)
	}
	tick := time.Second / time.Duration(clockTicks())
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14, utime
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15, stime
	if err := errors.Join(err1, err2); err != nil {
		return CPU{}, fmt.Errorf("read cpu of %d: %w", pid, err)
	}
	return CPU{User: time.Duration(ut) * tick, Sys: time.Duration(st) * tick}, nil
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's times,
// from the auxiliary vector (AT_CLKTCK); 100 when it cannot be read.
func clockTicks() int64 {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	const atClkTck = 17
	for i := 0; i+16 <= len(b); i += 16 {
		k, v := binary.NativeEndian.Uint64(b[i:]), binary.NativeEndian.Uint64(b[i+8:])
		if k == atClkTck && v > 0 {
			return int64(v)
		}
	}
	return 100
}

// Memory is a process's resident memory, in bytes: VmRSS now and VmHWM,
// its peak.
type Memory struct{ RSS, HWM int64 }

// ReadMemory reads VmRSS and VmHWM of process pid.
func ReadMemory(pid int) (Memory, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, fmt.Errorf("read memory: %w", err)
	}
	defer f.Close()
	var m Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			m.RSS = n * 1024
		case "VmHWM":
			m.HWM = n * 1024
		}
	}
	if err := sc.Err(); err != nil {
		return Memory{}, fmt.Errorf("read memory of %d: %w", pid, err)
	}
	if m.RSS == 0 {
		return Memory{}, fmt.Errorf("read memory of %d: no VmRSS", pid)
	}
	return m, nil
}
