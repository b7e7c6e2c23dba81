package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/lead"
)

// DefaultMaxImport is the largest CSV file POST /api/v1/imports accepts.
const DefaultMaxImport = 512 << 20

// Imports runs uploaded CSV imports in the background for the server's
// lifetime. The server stops it (Stop) before closing the inbox, so that a
// running import stops between rows, has every row it handed over
// committed, and is recorded as failed with the reason.
type Imports struct {
	// MaxBytes caps an uploaded file (default DefaultMaxImport).
	MaxBytes int64
	// MaxRunning caps the imports running at once (default 4).
	MaxRunning int
	// Dir is where uploads are spooled (default os.TempDir()).
	Dir string

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	running int
	wg      sync.WaitGroup
}

// NewImports returns a runner whose imports stop when ctx ends or Stop is
// called.
func NewImports(ctx context.Context) *Imports {
	ctx, cancel := context.WithCancel(ctx)
	return &Imports{ctx: ctx, cancel: cancel}
}

// Stop stops the running imports and waits until each has recorded where
// it stopped.
func (m *Imports) Stop() {
	m.cancel()
	m.wg.Wait()
}

func (m *Imports) maxBytes() int64 {
	if m.MaxBytes > 0 {
		return m.MaxBytes
	}
	return DefaultMaxImport
}

var (
	errImportsStopping = &lead.Error{Kind: lead.KindUnavailable, Message: "the server is shutting down; import the file again later"}
	errImportsBusy     = &lead.Error{Kind: lead.KindUnavailable, Message: "too many imports are running; retry when one has finished"}
)

// reserve takes a place for one import; release gives it back.
func (m *Imports) reserve() (release func(), err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	max := m.MaxRunning
	if max <= 0 {
		max = 4
	}
	switch {
	case m.ctx.Err() != nil:
		return nil, errImportsStopping
	case m.running >= max:
		return nil, errImportsBusy
	}
	m.running++
	m.wg.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			m.running--
			m.mu.Unlock()
			m.wg.Done()
		})
	}, nil
}

// importAnswer is the answer to POST /api/v1/imports: the import, and what
// was read of the file's header.
type importAnswer struct {
	lead.Import
	DryRun   bool               `json:"dry_run"`
	Mapping  []csvimport.Column `json:"mapping"`
	Warnings []string           `json:"warnings"`
}

type importList struct {
	Imports []lead.Import `json:"imports"`
}

// maxFormField caps the form fields other than the file.
const maxFormField = 64 << 10

// importUploadTimeout is how long an upload (and a dry run) may take; the
// server's usual read and write timeouts are for small requests.
const importUploadTimeout = time.Hour

// handleCreateImport is POST /api/v1/imports: multipart/form-data with the
// CSV in a part named "file" and optional "map", "dry_run" and
// "lazy_quotes" fields. The file is streamed to a temporary file (never
// held in memory); the import then runs in the background and the answer
// is 202 with the import and its Location. A dry run is answered 200 once
// the whole file has been checked.
func (s *server) handleCreateImport(w http.ResponseWriter, r *http.Request) {
	s.extendDeadlines(w, r, importUploadTimeout)

	limit := s.imports.maxBytes()
	const slack = 1 << 20 // multipart framing and the small fields
	if r.ContentLength > limit+slack {
		s.uploadFailed(r, 0, "larger than the limit (Content-Length)")
		s.importTooLarge(w, r, limit)
		return
	}
	body := &countingReader{r: r.Body}
	r.Body = http.MaxBytesReader(w, readCloser{body, r.Body}, limit+slack)
	mr, err := r.MultipartReader()
	if err != nil {
		invalidField(w, r, "body", "send multipart/form-data with the CSV file in a part named file")
		return
	}

	var (
		spool              *os.File
		filename, mapSpec  string
		dryRun, lazyQuotes bool
	)
	cleanup := func() {
		if spool != nil {
			spool.Close()
			os.Remove(spool.Name())
		}
	}
	keep := false
	defer func() {
		if !keep {
			cleanup()
		}
	}()
	readErr := func(err error) {
		s.uploadFailed(r, body.n, uploadFailure(err))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.importTooLarge(w, r, limit)
			return
		}
		writeProblem(w, r, http.StatusBadRequest, "unreadable-body", "Bad Request", "the request body could not be read as multipart/form-data")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr(err)
			return
		}
		name := part.FormName()
		switch name {
		case "file":
			if spool != nil {
				invalidField(w, r, "form.file", "send one file")
				return
			}
			if spool, err = os.CreateTemp(s.imports.Dir, "leadhub-import-*.csv"); err != nil {
				s.writeError(w, r, &lead.Error{Kind: lead.KindInternal, Message: "cannot store the upload", Err: err})
				return
			}
			src := &errorReader{r: io.LimitReader(part, limit+1)}
			n, err := io.Copy(spool, src)
			if src.err != nil {
				readErr(src.err)
				return
			}
			if err != nil {
				s.uploadFailed(r, body.n, "the upload could not be written to disk")
				s.writeError(w, r, &lead.Error{Kind: lead.KindInternal, Message: "cannot store the upload", Err: err})
				return
			}
			if n > limit {
				s.uploadFailed(r, body.n, "larger than the limit")
				s.importTooLarge(w, r, limit)
				return
			}
			filename = part.FileName()
		case "map", "dry_run", "lazy_quotes":
			b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err != nil {
				readErr(err)
				return
			}
			if len(b) > maxFormField {
				invalidField(w, r, "form."+name, "must be at most 64 KiB")
				return
			}
			v := string(b)
			switch name {
			case "map":
				mapSpec = v
			default:
				f, err := strconv.ParseBool(v)
				if err != nil {
					invalidField(w, r, "form."+name, "must be true or false")
					return
				}
				if name == "dry_run" {
					dryRun = f
				} else {
					lazyQuotes = f
				}
			}
		default:
			invalidField(w, r, "form."+name, "unknown field; the fields are file, map, dry_run and lazy_quotes")
			return
		}
	}
	if spool == nil {
		invalidField(w, r, "form.file", "required: the CSV file, as a part named file")
		return
	}
	overrides, err := csvimport.ParseMap(mapSpec)
	if err != nil {
		invalidField(w, r, "form.map", err.Error())
		return
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		s.writeError(w, r, &lead.Error{Kind: lead.KindInternal, Message: "cannot read the upload", Err: err})
		return
	}
	if filename == "" {
		filename = "upload.csv"
	}
	x, err := csvimport.Open(spool, csvimport.Options{Filename: filename, Map: overrides, DryRun: dryRun, LazyQuotes: lazyQuotes})
	if err != nil {
		invalidField(w, r, "form.file", lead.MessageOf(err))
		return
	}
	ans := importAnswer{DryRun: dryRun, Mapping: x.Mapping().Columns, Warnings: x.Warnings()}
	if ans.Warnings == nil {
		ans.Warnings = []string{}
	}

	if dryRun {
		im, err := x.Run(r.Context(), nil, nil, nil)
		if err != nil && r.Context().Err() != nil {
			s.log.WarnContext(r.Context(), "import dry run cut off: the client closed the connection",
				"request_id", requestID(r.Context()), "bytes_read", body.n, "rows", im.Rows)
			return
		}
		if err != nil {
			s.writeError(w, r, &lead.Error{Kind: lead.KindInvalid, Message: "the file could not be read to the end: " + err.Error(), Err: err})
			return
		}
		ans.Import = im
		writeJSON(w, http.StatusOK, ans)
		return
	}

	release, err := s.imports.reserve()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	im, err := x.Begin(r.Context(), s.store)
	if err != nil {
		release()
		s.writeError(w, r, err)
		return
	}
	keep = true
	log := s.log
	go func() {
		defer release()
		defer cleanup()
		done, err := x.Run(s.imports.ctx, s.inbox, s.store, nil)
		level := slog.LevelInfo
		attrs := []slog.Attr{slog.String("import_id", done.ID), slog.String("status", string(done.Status)),
			slog.Int64("rows", done.Rows), slog.Int64("created", done.Created), slog.Int64("duplicates", done.Duplicates),
			slog.Int64("failed", done.Failed)}
		if err != nil {
			level = slog.LevelWarn
			attrs = append(attrs, slog.String("err", done.Error))
		}
		if log != nil {
			log.LogAttrs(context.Background(), level, "import finished", attrs...)
		}
	}()

	ans.Import = im
	w.Header().Set("Location", "/api/v1/imports/"+im.ID)
	writeJSON(w, http.StatusAccepted, ans)
}

// extendDeadlines gives a request that carries a file longer than the
// server's general read and write timeouts, which are for small requests.
func (s *server) extendDeadlines(w http.ResponseWriter, r *http.Request, d time.Duration) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(d)
	if err := rc.SetReadDeadline(deadline); err != nil {
		s.log.WarnContext(r.Context(), "cannot extend the read deadline: the upload is cut at the server's read timeout",
			"request_id", requestID(r.Context()), "route", r.Pattern, "err", err.Error())
	}
	if err := rc.SetWriteDeadline(deadline); err != nil {
		s.log.WarnContext(r.Context(), "cannot extend the write deadline: the answer is cut at the server's write timeout",
			"request_id", requestID(r.Context()), "route", r.Pattern, "err", err.Error())
	}
}

// uploadFailed logs an upload that failed or was cut off: how much of the
// request body was read and why, never what it held.
func (s *server) uploadFailed(r *http.Request, read int64, reason string) {
	s.log.WarnContext(r.Context(), "import upload failed",
		"request_id", requestID(r.Context()), "bytes_read", read, "reason", reason)
}

// uploadFailure says why reading an upload failed. Errors of the multipart
// reader can quote the body, so they are summed up, never logged as such.
func uploadFailure(err error) string {
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		return "larger than the limit"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out: the client sent too slowly"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, context.Canceled):
		return "the client closed the connection before the upload was complete"
	default:
		return "not valid multipart/form-data"
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type readCloser struct {
	io.Reader
	io.Closer
}

// errorReader keeps the error its reader returned, to tell a failed read
// from a failed write in io.Copy.
type errorReader struct {
	r   io.Reader
	err error
}

func (e *errorReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

func invalidField(w http.ResponseWriter, r *http.Request, location, msg string) {
	writeProblem(w, r, http.StatusBadRequest, "invalid", "Bad Request", msg,
		func(p *problem) { p.Errors = []fieldError{{Location: location, Message: msg}} })
}

func (s *server) importTooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	w.Header().Set("Connection", "close")
	writeProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large",
		"the file is larger than "+strconv.FormatInt(limit>>20, 10)+" MiB")
}

// handleGetImport is GET /api/v1/imports/{id}: an import and its progress.
func (s *server) handleGetImport(w http.ResponseWriter, r *http.Request) {
	im, err := s.store.GetImport(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if im.Errors == nil {
		im.Errors = []lead.RowError{}
	}
	writeJSON(w, http.StatusOK, im)
}

// handleListImports is GET /api/v1/imports: the most recent imports.
func (s *server) handleListImports(w http.ResponseWriter, r *http.Request) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > lead.MaxPageSize {
			invalidField(w, r, "query.limit", "must be an integer from 1 to "+strconv.Itoa(lead.MaxPageSize))
			return
		}
		limit = n
	}
	list, err := s.store.ListImports(r.Context(), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := importList{Imports: make([]lead.Import, 0, len(list))}
	for _, im := range list {
		if im.Errors == nil {
			im.Errors = []lead.RowError{}
		}
		out.Imports = append(out.Imports, im)
	}
	writeJSON(w, http.StatusOK, out)
}
