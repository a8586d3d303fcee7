package feeds

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestPollLogReportsChangesNotEveryFailure(t *testing.T) {
	tests := []struct {
		name string
		errs []error // one poll each; nil is a success
		want []string
	}{
		{name: "successes only", errs: []error{nil, nil}, want: nil},
		{name: "a failure once", errs: []error{errors.New("boom"), errors.New("boom again")}, want: []string{"poll failed"}},
		{name: "a failure, then recovery", errs: []error{errors.New("boom"), nil, nil}, want: []string{"poll failed", "source recovered"}},
		{name: "the class changes", errs: []error{errors.New("boom"), &FetchError{Class: ClassHTTPStatus, Status: 404, Err: errors.New("404")}, &FetchError{Class: ClassHTTPStatus, Status: 404, Err: errors.New("404")}}, want: []string{"poll failed", "poll failed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := NewPollLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
			for _, err := range tc.errs {
				p.Observe(PollResult{Source: Source{ID: "wire"}, Err: err})
			}
			var got []string
			for line := range strings.Lines(buf.String()) {
				_, msg, _ := strings.Cut(line, "msg=")
				msg = strings.Trim(strings.SplitN(msg, "\" ", 2)[0], "\"")
				got = append(got, msg)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("logged %q, want %q", got, tc.want)
			}
		})
	}
}
