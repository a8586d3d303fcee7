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
