package store

// BaselineTagKey exposes the key of a source's baseline tag to the tests.
func (s *Store) BaselineTagKey(id string) string { return s.keyBaselineTag(id) }
