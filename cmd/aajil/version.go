package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

func versionCmd(e env, args []string) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: aajil version\n\nPrints the version, the commit it was built from and the Go toolchain.")
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	fmt.Fprintln(e.stdout, versionString())
	return 0
}

// versionString is e.g. "aajil 0.1.0 (commit 8461aa1, go1.26.8 linux/amd64)".
func versionString() string {
	commit := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 7 {
				commit = s.Value[:7]
			}
		}
	}
	return fmt.Sprintf("aajil %s (commit %s, %s %s/%s)", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// userAgent names Aajil and its version in every request.
func userAgent() string {
	return "Aajil/" + version + " (+https://github.com/aajil/aajil)"
}

// exitUsage maps a flag parsing error to an exit code: -h is success.
func exitUsage(err error) int {
	if err == flag.ErrHelp {
		return 0
	}
	return 2
}
