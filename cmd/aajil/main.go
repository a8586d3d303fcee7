// Command aajil is Aajil's single binary: `run` runs the bot, `probe`
// reads one source once and shows its items, `match` tries keyword rules
// on headlines, `story` tells whether two headlines report one story,
// `version` prints build info.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `Aajil (عاجل) — breaking-news alerts from Arabic and English sources.

Usage:
  aajil <command> [flags]

Commands:
  run       poll the sources and alert subscribers (Telegram, or the console)
  probe     read one source once and print its items (URL or FILE)
  match     print the headlines on stdin that some keyword RULE matches
  story     tell whether two headlines report one story (A B, or pairs on stdin)
  health    ask a running aajil whether it is ready (for container health checks)
  version   print version and build information

Run "aajil <command> -h" for a command's flags.
Configuration: $AAJIL_CONFIG (default configs/aajil.yaml) and the AAJIL_*
environment variables; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

// env is the process environment, injectable for tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
	// watchEvery is how often run checks the registries in Redis for
	// changes; zero is watchEvery.
	watchEvery time.Duration
}

// flags returns the flag set of a command whose usage text is usage: it
// reports errors on the command's stderr and prints usage, then the flags'
// defaults, for -h.
func (e env) flags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// cli runs one command and returns the process exit code: 0 success,
// 1 failure, 2 usage error.
func cli(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runCmd(ctx, e, args[1:])
	case "probe":
		return probeCmd(ctx, e, args[1:])
	case "match":
		return matchCmd(ctx, e, args[1:])
	case "story":
		return storyCmd(ctx, e, args[1:])
	case "health":
		return healthCmd(ctx, e, args[1:])
	case "version":
		return versionCmd(e, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "aajil: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
