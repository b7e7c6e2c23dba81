package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/lead"
)

// startConfiguredServer runs the server's wiring (app.Start, as serve
// does) with c on a fresh database, logging at debug level into the
// returned buffer.
func startConfiguredServer(t *testing.T, c app.Config) (*testServer, *apitest.Buffer) {
	t.Helper()
	logs := &apitest.Buffer{}
	srv := apitest.StartApp(t, c, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return &testServer{base: srv.URL, apiKey: srv.APIKey}, logs
}

// throttled hands out its bytes a chunk per tick, like a slow client.
type throttled struct {
	b     []byte
	chunk int
	tick  *time.Ticker
	fail  error // returned instead of the rest once half has been read, if set
	half  int
}

func newThrottled(b []byte, chunks int, every time.Duration) *throttled {
	return &throttled{b: b, chunk: (len(b) + chunks - 1) / chunks, tick: time.NewTicker(every), half: len(b) / 2}
}

func (r *throttled) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		r.tick.Stop()
		return 0, io.EOF
	}
	if r.fail != nil && len(r.b) <= r.half {
		r.tick.Stop()
		return 0, r.fail
	}
	<-r.tick.C
	n := copy(p[:min(len(p), r.chunk)], r.b)
	r.b = r.b[n:]
	return n, nil
}

// postSlowly sends body to /api/v1/imports in chunks, a chunk per tick.
func postSlowly(ts *testServer, requestID, contentType string, body io.Reader, length int) (int, []byte, error) {
	req, err := http.NewRequest("POST", ts.base+"/api/v1/imports", body)
	if err != nil {
		return 0, nil, err
	}
	req.ContentLength = int64(length)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+ts.apiKey)
	req.Header.Set("X-Request-Id", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestImportUploadOutlastsServerTimeouts uploads files more slowly than the
// server's general read and write timeouts allow for an ordinary request:
// the upload, the import and the dry run's answer must still get through,
// because the handler extends its own deadlines. A client that gives up
// half-way is logged, without the file's contents.
func TestImportUploadOutlastsServerTimeouts(t *testing.T) {
	const timeout = 200 * time.Millisecond
	ts, logs := startConfiguredServer(t, func() app.Config {
		c := app.Defaults()
		c.ReadTimeout, c.WriteTimeout = timeout, timeout
		return c
	}())

	var file bytes.Buffer
	file.WriteString("Email,First Name,Last Name,Company\n")
	for i := range 500 {
		fmt.Fprintf(&file, "slow%d@example.com,Slow,Upload %d,Contoso\n", i, i)
	}
	// 20 chunks 50 ms apart: the upload takes about a second, five times
	// the general timeouts.
	const chunks, every = 20, 50 * time.Millisecond

	ct, body := multipartBody(t, "slow.csv", file.Bytes(), nil)
	status, b, err := postSlowly(ts, "slow-import", ct, newThrottled(body, chunks, every), len(body))
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("slow upload: %d %s %v", status, b, err)
	}
	var ans importAnswer
	if err := json.Unmarshal(b, &ans); err != nil {
		t.Fatal(err)
	}
	if im := waitImport(t, ts, ans.ID); im.Status != lead.ImportDone || im.Created != 500 {
		t.Errorf("slow import: %+v", im)
	}

	// A dry run answers after the whole file is read: past the general
	// write timeout too.
	ct, body = multipartBody(t, "slow.csv", file.Bytes(), map[string]string{"dry_run": "true"})
	status, b, err = postSlowly(ts, "slow-dry-run", ct, newThrottled(body, chunks, every), len(body))
	ans = importAnswer{}
	if err != nil || status != http.StatusOK || json.Unmarshal(b, &ans) != nil || ans.Rows != 500 || !ans.DryRun {
		t.Fatalf("slow dry run: %d %s %v", status, b, err)
	}

	// A client that stops half-way: the server logs why, and how much it read.
	ct, body = multipartBody(t, "cut.csv", file.Bytes(), nil)
	cut := newThrottled(body, chunks, every)
	cut.fail = errors.New("the client gave up")
	if _, _, err := postSlowly(ts, "cut-upload", ct, cut, len(body)); err == nil {
		t.Error("the cut-off upload did not fail on the client's side")
	}
	var failed map[string]any
	eventually.True(t, 10*time.Second, "the cut-off upload to be logged", func() bool {
		// The access log pairs the client's X-Request-Id with leadhub's own
		// request id, under which the handler logged why.
		id := ""
		for _, line := range strings.Split(logs.String(), "\n") {
			var l map[string]any
			if strings.Contains(line, `"client_request_id":"cut-upload"`) && json.Unmarshal([]byte(line), &l) == nil {
				id, _ = l["request_id"].(string)
			}
		}
		if id == "" {
			return false
		}
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"request_id":"`+id+`"`) && strings.Contains(line, `"level":"WARN"`) &&
				!strings.Contains(line, `"msg":"http request"`) {
				failed = nil
				return json.Unmarshal([]byte(line), &failed) == nil
			}
		}
		return false
	})
	if n, _ := failed["bytes_read"].(float64); n <= 0 || n >= float64(len(body)) || failed["reason"] == "" {
		t.Errorf("cut-off upload logged as %v", failed)
	}
	all := logs.String()
	if strings.Contains(all, "slow1@example.com") || strings.Contains(all, "Upload 1,") {
		t.Errorf("the log holds the file's contents:\n%s", all)
	}
	if strings.Contains(all, "deadline") {
		t.Errorf("the handler could not extend its deadlines:\n%s", all)
	}
}
