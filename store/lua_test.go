package store_test

import (
	"testing"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// TestLuaScriptsLoad loads every embedded script into the test Redis: a
// script Redis cannot compile fails here, not in production.
func TestLuaScriptsLoad(t *testing.T) {
	srcs, err := store.LuaSources()
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) < 20 {
		t.Fatalf("found %d scripts, want all of lua/ (over 20)", len(srcs))
	}
	rdb := storetest.Open(t).Redis()
	for name, src := range srcs {
		t.Run(name, func(t *testing.T) {
			if sha, err := rdb.ScriptLoad(t.Context(), src).Result(); err != nil || sha == "" {
				t.Errorf("SCRIPT LOAD %s = %q, %v; want it compiled", name, sha, err)
			}
		})
	}
}
