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

// Threads is what the scheduler counted for all of a process's threads
// (those alive when read): the time they ran on a CPU, in nanoseconds
// (/proc/PID/task/TID/schedstat, not rounded to clock ticks as
// /proc/PID/stat is), and their context switches, voluntary (a thread
// blocked or went to sleep) and not (it was preempted).
type Threads struct {
	OnCPU                  time.Duration
	Voluntary, Involuntary int64
}

// Sub returns the counts from b to a.
func (a Threads) Sub(b Threads) Threads {
	return Threads{OnCPU: a.OnCPU - b.OnCPU, Voluntary: a.Voluntary - b.Voluntary, Involuntary: a.Involuntary - b.Involuntary}
}

// Switches is the voluntary and involuntary switches together.
func (a Threads) Switches() int64 { return a.Voluntary + a.Involuntary }

// ReadThreads sums the on-CPU time and the context switches of every
// thread of process pid. A thread that exits between the listing and the
// read is skipped.
func ReadThreads(pid int) (Threads, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return Threads{}, fmt.Errorf("read threads: %w", err)
	}
	var t Threads
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) < 1 {
			return Threads{}, fmt.Errorf("read threads of %d: malformed schedstat", pid)
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return Threads{}, fmt.Errorf("read threads of %d: %w", pid, err)
		}
		t.OnCPU += time.Duration(ns)
		st, err := os.ReadFile(dir + "/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(string(st), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			switch k {
			case "voluntary_ctxt_switches":
				t.Voluntary += n
			case "nonvoluntary_ctxt_switches":
				t.Involuntary += n
			}
		}
	}
	return t, nil
}
