package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
)

// DefaultMaxImport is the largest CSV file POST /api/v1/imports accepts.
const DefaultMaxImport = 512 << 20

var errNoImports = &lead.Error{Kind: lead.KindUnavailable, Message: "this server does not run imports"}

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
// "lazy_quotes" fields. The file is streamed to a spool file of the import
// runner (never held in memory) and its header checked; the runner then
// runs the import and the answer is 202 with the import and its Location.
// A dry run is answered 200 once the whole file has been checked.
func (s *server) handleCreateImport(w http.ResponseWriter, r *http.Request) {
	if s.imports == nil {
		s.writeError(w, r, errNoImports)
		return
	}
	s.extendDeadlines(w, r, importUploadTimeout)

	limit := s.maxImport
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
		httpx.InvalidField(w, r, "body", "send multipart/form-data with the CSV file in a part named file")
		return
	}

	var (
		spool              *csvimport.Spool
		filename, mapSpec  string
		dryRun, lazyQuotes bool
	)
	handedOver := false
	defer func() {
		if spool != nil && !handedOver {
			spool.Remove()
		}
	}()
	readErr := func(err error) {
		s.uploadFailed(r, body.n, uploadFailure(err))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.importTooLarge(w, r, limit)
			return
		}
		httpx.WriteProblem(w, r, http.StatusBadRequest, "unreadable-body", "Bad Request", "the request body could not be read as multipart/form-data")
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
				httpx.InvalidField(w, r, "form.file", "send one file")
				return
			}
			if spool, err = s.imports.Spool(); err != nil {
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
				httpx.InvalidField(w, r, "form."+name, "must be at most 64 KiB")
				return
			}
			v := string(b)
			switch name {
			case "map":
				mapSpec = v
			default:
				f, err := strconv.ParseBool(v)
				if err != nil {
					httpx.InvalidField(w, r, "form."+name, "must be true or false")
					return
				}
				if name == "dry_run" {
					dryRun = f
				} else {
					lazyQuotes = f
				}
			}
		default:
			httpx.InvalidField(w, r, "form."+name, "unknown field; the fields are file, map, dry_run and lazy_quotes")
			return
		}
	}
	if spool == nil {
		httpx.InvalidField(w, r, "form.file", "required: the CSV file, as a part named file")
		return
	}
	overrides, err := csvimport.ParseMap(mapSpec)
	if err != nil {
		httpx.InvalidField(w, r, "form.map", err.Error())
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
		httpx.InvalidField(w, r, "form.file", lead.MessageOf(err))
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
				"request_id", httpx.RequestID(r.Context()), "bytes_read", body.n, "rows", im.Rows)
			return
		}
		if err != nil {
			s.writeError(w, r, &lead.Error{Kind: lead.KindInvalid, Message: "the file could not be read to the end: " + err.Error(), Err: err})
			return
		}
		ans.Import = im
		httpx.WriteJSON(w, http.StatusOK, ans)
		return
	}

	im, err := s.imports.Start(r.Context(), x, spool.Remove)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	handedOver = true

	ans.Import = im
	w.Header().Set("Location", "/api/v1/imports/"+im.ID)
	httpx.WriteJSON(w, http.StatusAccepted, ans)
}

// extendDeadlines gives a request that carries a file longer than the
// server's general read and write timeouts, which are for small requests.
func (s *server) extendDeadlines(w http.ResponseWriter, r *http.Request, d time.Duration) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(d)
	if err := rc.SetReadDeadline(deadline); err != nil {
		s.log.WarnContext(r.Context(), "cannot extend the read deadline: the upload is cut at the server's read timeout",
			"request_id", httpx.RequestID(r.Context()), "route", r.Pattern, "err", err.Error())
	}
	if err := rc.SetWriteDeadline(deadline); err != nil {
		s.log.WarnContext(r.Context(), "cannot extend the write deadline: the answer is cut at the server's write timeout",
			"request_id", httpx.RequestID(r.Context()), "route", r.Pattern, "err", err.Error())
	}
}

// uploadFailed logs an upload that failed or was cut off: how much of the
// request body was read and why, never what it held.
func (s *server) uploadFailed(r *http.Request, read int64, reason string) {
	s.log.WarnContext(r.Context(), "import upload failed",
		"request_id", httpx.RequestID(r.Context()), "bytes_read", read, "reason", reason)
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

func (s *server) importTooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	w.Header().Set("Connection", "close")
	httpx.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large",
		"the file is larger than "+strconv.FormatInt(limit>>20, 10)+" MiB")
}

// handleGetImport is GET /api/v1/imports/{id}: an import and its progress.
func (s *server) handleGetImport(w http.ResponseWriter, r *http.Request) {
	im, err := s.store.GetImport(r.Context(), r.PathValue("id"))
	s.answer(w, r, withErrors(im), err)
}

// handleListImports is GET /api/v1/imports: the most recent imports.
func (s *server) handleListImports(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit := q.limit()
	if !q.ok(w, r) {
		return
	}
	list, err := s.store.ListImports(r.Context(), limit)
	out := importList{Imports: make([]lead.Import, 0, len(list))}
	for _, im := range list {
		out.Imports = append(out.Imports, withErrors(im))
	}
	s.answer(w, r, out, err)
}

// withErrors gives an import an empty list of row errors rather than none.
func withErrors(im lead.Import) lead.Import {
	if im.Errors == nil {
		im.Errors = []lead.RowError{}
	}
	return im
}
