package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aajil/aajil/configs"
)

const healthUsage = `Usage: aajil health [-live] [-addr HOST:PORT]

Asks a running aajil whether it is ready (GET /readyz: Redis reachable) or,
with -live, alive (GET /healthz), on AAJIL_HTTP_ADDR (default
127.0.0.1:8080; an address on all interfaces is asked on loopback). Exits
0 when it is, 1 with the reason when it is not. For container health
checks, where the image has no shell or curl:

  healthcheck: {test: ["CMD", "/aajil", "health"]}
`

func healthCmd(ctx context.Context, e env, args []string) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, healthUsage) }
	live := fs.Bool("live", false, "ask /healthz (alive) instead of /readyz (ready)")
	addr := fs.String("addr", "", "address of the HTTP endpoint (default $AAJIL_HTTP_ADDR or "+configs.DefaultHTTPAddr+")")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "aajil health: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *addr == "" {
		if v, ok := e.getenv("AAJIL_HTTP_ADDR"); ok && v != "" {
			*addr = v
		} else {
			*addr = configs.DefaultHTTPAddr
		}
	}
	if *addr == "off" {
		fmt.Fprintln(e.stderr, "aajil health: AAJIL_HTTP_ADDR is off: there is no endpoint to ask")
		return 1
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "aajil health: address %q: %v\n", *addr, err)
		return 2
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	path := "/readyz"
	if *live {
		path = "/healthz"
	}
	url := "http://" + net.JoinHostPort(host, port) + path
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "aajil health: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(e.stderr, "aajil health: %s: %v\n", url, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(e.stderr, "aajil health: %s: %s %s\n", url, resp.Status, text)
		return 1
	}
	fmt.Fprintln(e.stdout, text)
	return 0
}
