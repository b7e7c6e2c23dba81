package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiClient talks to a running leadhub server's /api/v1, for the commands
// that act on the server itself (polling sources now, listing their health).
type apiClient struct {
	server string
	key    string
	http   *http.Client
}

// serverFlags declares --server and --api-key (LEADHUB_SERVER,
// LEADHUB_API_KEY or LEADHUB_API_KEY_FILE).
func serverFlags(fs *flag.FlagSet, c *apiClient) {
	fs.StringVar(&c.server, "server", "http://127.0.0.1:8080", "URL of the running leadhub server")
	fs.StringVar(&c.key, "api-key", "", "API key (lhk_…) for the server; better given as LEADHUB_API_KEY or LEADHUB_API_KEY_FILE")
}

func (c *apiClient) check() error {
	u, err := url.Parse(c.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Errorf("--server %q: want an http(s) URL such as http://127.0.0.1:8080", c.server)}
	}
	if c.key == "" {
		return usageError{errors.New("an API key is needed: --api-key, LEADHUB_API_KEY or LEADHUB_API_KEY_FILE (create one with `leadhub apikey create`)")}
	}
	return nil
}

// do sends a request and decodes a 2xx JSON answer into out. A problem
// document becomes an error that quotes its detail.
func (c *apiClient) do(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	if err := c.check(); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.server, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	hc := c.http
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach leadhub at %s: %w", c.server, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var p problem
		if json.Unmarshal(b, &p) == nil && (p.Detail != "" || p.Title != "") {
			return fmt.Errorf("%s %s: %d %s: %s", method, path, resp.StatusCode, p.Title, p.explained())
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(bytes.NewReader(b)).Decode(out)
}

// problem is the part of an RFC 9457 problem document the CLI shows.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// explained is the detail with the parameters it does not name already
// ("body.id: is given by the server").
func (p problem) explained() string {
	msg := p.Detail
	for _, fe := range p.Errors {
		switch {
		case fe.Location == "" || strings.Contains(msg, fe.Location):
		case msg == fe.Message:
			msg = fe.Location + ": " + msg
		default:
			msg += "; " + fe.Location + ": " + fe.Message
		}
	}
	return msg
}
