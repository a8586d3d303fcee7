package store

import (
	"embed"
	"fmt"
	"regexp"
	"strings"

	"github.com/redis/go-redis/v9"
)

// luaFiles holds the store's Lua scripts, one per file: lua/NAME.lua.
//
//go:embed lua/*.lua
var luaFiles embed.FS

// luaInclude matches the lines by which a script names a fragment (a file
// of lua/ holding helpers several scripts share) to put before its body:
// "-- include: NAME".
var luaInclude = regexp.MustCompile(`(?m)^-- include: (\w+)$`)

// luaPlaceholder matches what a script leaves for a Go value to fill in:
// {{NAME}}.
var luaPlaceholder = regexp.MustCompile(`\{\{\w+\}\}`)

// luaScript is the script lua/NAME.lua, composed by luaSource. The
// scripts are part of the binary, so a missing file or value is a
// programming error: it panics, when the package is initialised.
func luaScript(name string, values ...string) *redis.Script {
	src, err := luaSource(name, values...)
	if err != nil {
		panic(err)
	}
	return redis.NewScript(src)
}

// luaSource reads lua/NAME.lua, puts before it the fragments its include
// lines name, in their order, and replaces each {{KEY}} by its value in
// values (KEY, value, KEY, value, ...). Every placeholder must be filled.
func luaSource(name string, values ...string) (string, error) {
	body, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		return "", fmt.Errorf("lua script %s: %w", name, err)
	}
	var b strings.Builder
	for _, m := range luaInclude.FindAllStringSubmatch(string(body), -1) {
		frag, err := luaFiles.ReadFile("lua/" + m[1] + ".lua")
		if err != nil {
			return "", fmt.Errorf("lua script %s: include: %w", name, err)
		}
		b.Write(frag)
		b.WriteByte('\n')
	}
	b.Write(body)
	if len(values)%2 != 0 {
		return "", fmt.Errorf("lua script %s: values %q not in pairs", name, values)
	}
	pairs := make([]string, 0, len(values))
	for i := 0; i < len(values); i += 2 {
		pairs = append(pairs, "{{"+values[i]+"}}", values[i+1])
	}
	src := strings.NewReplacer(pairs...).Replace(b.String())
	if left := luaPlaceholder.FindString(src); left != "" {
		return "", fmt.Errorf("lua script %s: no value for %s", name, left)
	}
	return src, nil
}
