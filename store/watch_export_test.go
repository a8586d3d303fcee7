package store

import (
	"context"
	"time"
)

// Registry names for RegistryVersion.
const (
	RegSources     = regSources
	RegSubscribers = regSubscribers
)

// RegistryVersion exposes the watchers' shared version read (at tick; a
// zero tick reads alone) to the tests.
func (s *Store) RegistryVersion(ctx context.Context, reg int, tick time.Time) (int64, error) {
	return s.versions.read(ctx, s, reg, tick)
}
