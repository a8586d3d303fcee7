// Command wakefloor measures what the Go runtime and the kernel charge a
// process that wakes up now and then to make a conditional GET and goes
// back to sleep: the floor under aajil's idle figure, which no change in
// aajil can go below on the same machine.
//
// It starts a copy of itself as a feed server on 127.0.0.1 (another
// process, so its CPU is not counted), then wakes every -every, makes -n
// conditional GETs answered 304 on a kept-alive connection, and reports
// its own on-CPU time (every thread's schedstat) and context switches per
// second and per request:
//
//	go run ./tools/wakefloor -every 1s -n 1 -d 60s
//	go run ./tools/wakefloor -every 1s -n 2 -d 60s
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aajil/aajil/tools/internal/procstat"
)

func main() {
	serve := flag.Bool("serve", false, "be the feed server: answer every GET with 304 (internal)")
	every := flag.Duration("every", time.Second, "time between wake-ups")
	n := flag.Int("n", 1, "conditional GETs at each wake-up")
	d := flag.Duration("d", 60*time.Second, "how long to measure")
	flag.Parse()
	if *serve {
		if err := runServer(); err != nil {
			fmt.Fprintln(os.Stderr, "wakefloor:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*every, *n, *d); err != nil {
		fmt.Fprintln(os.Stderr, "wakefloor:", err)
		os.Exit(1)
	}
}

// runServer answers 304 on a free port of 127.0.0.1 and prints its
// address on stdout, until stdin closes.
func runServer() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Println(ln.Addr().String())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(http.StatusNotModified)
	}))
}

func run(every time.Duration, n int, d time.Duration) error {
	if every <= 0 || n <= 0 || d <= 0 {
		return fmt.Errorf("-every, -n and -d must be positive")
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find myself: %w", err)
	}
	srv := exec.Command(self, "-serve")
	stdin, err := srv.StdinPipe()
	if err != nil {
		return fmt.Errorf("server stdin: %w", err)
	}
	stdout, err := srv.StdoutPipe()
	if err != nil {
		return fmt.Errorf("server stdout: %w", err)
	}
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	defer func() {
		stdin.Close()
		srv.Wait()
	}()
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read server address: %w", err)
	}
	url := "http://" + strings.TrimSpace(addr) + "/feed"

	client := &http.Client{}
	get := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("If-None-Match", `"v1"`)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			return fmt.Errorf("got %s, want 304", resp.Status)
		}
		return nil
	}
	ctx := context.Background()
	if err := get(ctx); err != nil { // the connection, made before the window
		return err
	}
	pid := os.Getpid()
	t0, err := procstat.ReadThreads(pid)
	if err != nil {
		return err
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	start, requests, wakes := time.Now(), 0, 0
	for time.Since(start) < d {
		<-tick.C
		wakes++
		for range n {
			if err := get(ctx); err != nil {
				return err
			}
			requests++
		}
	}
	t1, err := procstat.ReadThreads(pid)
	if err != nil {
		return err
	}
	th, secs := t1.Sub(t0), time.Since(start).Seconds()
	ms := float64(th.OnCPU) / float64(time.Millisecond)
	fmt.Printf("wake-ups %d (%.2f/s), requests %d: on-cpu %.2f ms/s, %.3f ms per request; context switches %.1f/s, %.2f per request\n",
		wakes, float64(wakes)/secs, requests, ms/secs, ms/float64(requests), float64(th.Switches())/secs, float64(th.Switches())/float64(requests))
	return nil
}
