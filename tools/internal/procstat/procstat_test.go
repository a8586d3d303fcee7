package procstat

import (
	"os"
	"testing"
)

func TestReadSelf(t *testing.T) {
	pid := os.Getpid()
	// Burn a little CPU so that the reading is not all zero ticks.
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	_ = x
	cpu, err := ReadCPU(pid)
	if err != nil {
		t.Fatalf("ReadCPU: %v", err)
	}
	if cpu.Total() <= 0 || cpu.User < 0 || cpu.Sys < 0 {
		t.Errorf("ReadCPU(self) = %+v, want some positive time", cpu)
	}
	if d := cpu.Sub(cpu); d.Total() != 0 {
		t.Errorf("cpu.Sub(cpu) = %+v, want zero", d)
	}
	m, err := ReadMemory(pid)
	if err != nil {
		t.Fatalf("ReadMemory: %v", err)
	}
	if m.RSS <= 0 || m.HWM < m.RSS {
		t.Errorf("ReadMemory(self) = %+v, want RSS > 0 and HWM ≥ RSS", m)
	}
	if _, err := ReadCPU(-1); err == nil {
		t.Errorf("ReadCPU(-1) succeeded, want an error")
	}
}

func TestReadThreadsSelf(t *testing.T) {
	pid := os.Getpid()
	t0, err := ReadThreads(pid)
	if err != nil {
		t.Fatalf("ReadThreads: %v", err)
	}
	x := 0
	for i := range 10_000_000 {
		x += i % 7
	}
	_ = x
	// Whether the loop was switched out is up to the machine: only the
	// time is certain to have grown.
	t1, err := ReadThreads(pid)
	if err != nil {
		t.Fatalf("ReadThreads: %v", err)
	}
	d := t1.Sub(t0)
	if d.OnCPU <= 0 {
		t.Errorf("on-CPU time over a busy loop = %v, want > 0", d.OnCPU)
	}
	if t1.Switches() < 0 || t1.Voluntary < 0 || t1.Involuntary < 0 {
		t.Errorf("ReadThreads(self) = %+v, want non-negative counts", t1)
	}
	if _, err := ReadThreads(-1); err == nil {
		t.Errorf("ReadThreads(-1) succeeded, want an error")
	}
}
