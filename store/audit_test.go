package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	at := time.Date(2025, time.March, 8, 9, 30, 0, 0, time.UTC)
	entries := []store.AuditEntry{
		{At: at, By: "tg:1", Action: "addfeed", Target: "sana", After: `{"id":"sana"}`},
		{At: at.Add(time.Minute), By: "tg:2", Action: "setfeed", Target: "sana", Before: `{"id":"sana"}`, After: `{"id":"sana","interval":30}`},
		{At: at.Add(2 * time.Minute), By: "tg:1", Action: "delfeed", Target: "sana", Before: `{"id":"sana","interval":30}`},
	}
	for _, e := range entries {
		if err := st.Audit(ctx, e); err != nil {
			t.Fatalf("Audit(%+v): %v", e, err)
		}
	}
	tests := map[string]struct {
		n    int
		want []store.AuditEntry // newest first
	}{
		"all":      {n: 10, want: []store.AuditEntry{entries[2], entries[1], entries[0]}},
		"latest 2": {n: 2, want: []store.AuditEntry{entries[2], entries[1]}},
		"none":     {n: 0, want: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := st.AuditLog(ctx, tc.n)
			if err != nil {
				t.Fatalf("AuditLog(%d): %v", tc.n, err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("AuditLog(%d) = %d entries, want %d: %+v", tc.n, len(got), len(tc.want), got)
			}
			for i := range got {
				if got[i].ID == "" {
					t.Errorf("entry %d has no id", i)
				}
				got[i].ID = ""
				if !got[i].At.Equal(tc.want[i].At) {
					t.Errorf("entry %d at = %v, want %v", i, got[i].At, tc.want[i].At)
				}
				got[i].At = tc.want[i].At
				if got[i] != tc.want[i] {
					t.Errorf("entry %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestAuditRefusesEmptyAction(t *testing.T) {
	st := storetest.Open(t)
	if err := st.Audit(context.Background(), store.AuditEntry{By: "tg:1"}); err == nil {
		t.Fatal("Audit without action: got nil error, want one")
	}
}

func TestAuditLogIsBounded(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	total := store.DefaultAuditMax + 2_000
	for i := range total {
		if err := st.Audit(ctx, store.AuditEntry{By: "tg:1", Action: "pausefeed", Target: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.AuditLog(ctx, store.MaxAuditRead)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != store.MaxAuditRead || got[0].Target != fmt.Sprint(total-1) {
		t.Fatalf("AuditLog = %d entries, newest %q; want %d, newest %q", len(got), got[0].Target, store.MaxAuditRead, fmt.Sprint(total-1))
	}
	n, err := st.AuditLen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Approximate trimming keeps whole stream nodes (100 entries each by
	// default), so a little more than the bound remains.
	if n < store.DefaultAuditMax || n > store.DefaultAuditMax+200 {
		t.Fatalf("audit log holds %d entries after %d, want about %d", n, total, store.DefaultAuditMax)
	}
}
