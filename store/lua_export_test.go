package store

import (
	"io/fs"
	"strings"
)

// LuaSources returns every script of lua/, composed with its fragments,
// by name, its Go values replaced by "1" (a number, and a string inside
// quotes): what SCRIPT LOAD must accept.
func LuaSources() (map[string]string, error) {
	names, err := fs.Glob(luaFiles, "lua/*.lua")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "lua/"), ".lua")
		raw, err := luaFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var values []string
		for _, p := range luaPlaceholder.FindAllString(string(raw), -1) {
			values = append(values, strings.Trim(p, "{}"), "1")
		}
		src, err := luaSource(name, values...)
		if err != nil {
			return nil, err
		}
		out[name] = src
	}
	return out, nil
}
