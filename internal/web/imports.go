package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/lead"
)

// DefaultMaxImport is the largest CSV file the imports page accepts by
// default (as the REST API's).
const DefaultMaxImport = 512 << 20

// Staged uploads wait on disk, in the import runner's spool directory,
// for their confirmation: one per user, at most maxStaged at once, each
// for stagedTTL.
const (
	maxStaged       = 16
	stagedTTL       = 30 * time.Minute
	importsListed   = 50
	previewRows     = 5
	importUploadFor = time.Hour // how long an upload may take
)

// staged is an uploaded file whose preview was shown and whose import
// waits for its uploader to confirm it.
type staged struct {
	spool     *csvimport.Spool
	filename  string
	overrides map[string]string
	lazy      bool
	userID    string
	lines     int64 // line breaks in the file: about its rows
	timer     *time.Timer
}

// staging keeps the staged uploads of one server, and the sizes of the
// imports they became (for their progress bars).
type staging struct {
	mu     sync.Mutex
	m      map[string]*staged
	totals map[string]int64 // import id → line breaks in its file
}

// stage keeps st under a new reference until stagedTTL passes.
func (g *staging) stage(st *staged) (string, bool) {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	ref := hex.EncodeToString(raw[:])
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[string]*staged{}
	}
	// One upload waits per user: a new one replaces the last.
	for r, old := range g.m {
		if old.userID == st.userID {
			delete(g.m, r)
			old.timer.Stop()
			old.spool.Remove()
		}
	}
	if len(g.m) >= maxStaged {
		return "", false
	}
	g.m[ref] = st
	st.timer = time.AfterFunc(stagedTTL, func() {
		if s := g.take(ref, st.userID); s != nil {
			s.spool.Remove()
		}
	})
	return ref, true
}

// take removes and returns the staged upload ref of user (nil: none).
func (g *staging) take(ref, userID string) *staged {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.m[ref]
	if st == nil || st.userID != userID {
		return nil
	}
	delete(g.m, ref)
	st.timer.Stop()
	return st
}

func (g *staging) setTotal(id string, lines int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.totals == nil || len(g.totals) >= 1000 {
		g.totals = map[string]int64{}
	}
	g.totals[id] = lines
}

func (g *staging) total(id string, done bool) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.totals[id]
	if done {
		delete(g.totals, id)
	}
	return n
}

type importsData struct {
	User      *lead.User
	Imports   []lead.Import
	Error     string
	Max       string // the size limit, in words
	Available bool
}

// importsPage lists the recent imports, with the upload form.
func (s *server) importsPage(w http.ResponseWriter, r *http.Request) {
	s.renderImports(w, r, http.StatusOK, "")
}

func (s *server) renderImports(w http.ResponseWriter, r *http.Request, status int, msg string) {
	u := userFrom(r.Context())
	list, err := s.Store.ListImports(r.Context(), importsListed)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, status, "imports", importsData{User: &u, Imports: list, Error: msg, Max: limitText(s.MaxImport),
		Available: s.Imports != nil})
}

type previewData struct {
	User     *lead.User
	Ref      string
	Filename string
	Preview  csvimport.Preview
}

// lineCounter counts the line breaks written through it.
type lineCounter struct {
	w io.Writer
	n int64
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += int64(bytes.Count(p, []byte{'\n'}))
	return c.w.Write(p)
}

// importUpload takes a CSV file (multipart/form-data: file, and optional
// map and lazy_quotes), keeps it on disk and shows what importing it
// would do; nothing is imported until the uploader confirms.
func (s *server) importUpload(w http.ResponseWriter, r *http.Request) {
	if s.Imports == nil {
		s.renderImports(w, r, http.StatusServiceUnavailable, "This server does not run imports.")
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(importUploadFor))
	_ = rc.SetWriteDeadline(time.Now().Add(importUploadFor))
	const slack = 1 << 20
	if r.ContentLength > s.MaxImport+slack {
		s.tooLarge(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxImport+slack)
	mr, err := r.MultipartReader()
	if err != nil {
		s.renderImports(w, r, http.StatusBadRequest, "Choose a CSV file to upload.")
		return
	}
	st := &staged{userID: userFrom(r.Context()).ID}
	kept := false
	defer func() {
		if st.spool != nil && !kept {
			st.spool.Remove()
		}
	}()
	var mapSpec string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.uploadFailed(w, r, err)
			return
		}
		switch part.FormName() {
		case "file":
			if st.spool != nil {
				s.renderImports(w, r, http.StatusBadRequest, "Upload one file at a time.")
				return
			}
			if st.spool, err = s.Imports.Spool(); err != nil {
				s.fail(w, r, &lead.Error{Kind: lead.KindInternal, Message: "cannot store the upload", Err: err})
				return
			}
			lc := &lineCounter{w: st.spool}
			n, err := io.Copy(lc, io.LimitReader(part, s.MaxImport+1))
			if err != nil {
				s.uploadFailed(w, r, err)
				return
			}
			if n > s.MaxImport {
				s.tooLarge(w, r)
				return
			}
			st.filename, st.lines = part.FileName(), lc.n
		case "map", "lazy_quotes":
			b, err := io.ReadAll(io.LimitReader(part, maxForm+1))
			if err != nil {
				s.uploadFailed(w, r, err)
				return
			}
			if len(b) > maxForm {
				s.renderImports(w, r, http.StatusBadRequest, "The column mapping is too long.")
				return
			}
			if part.FormName() == "map" {
				mapSpec = string(b)
			} else {
				st.lazy = len(b) > 0
			}
		default:
			s.renderImports(w, r, http.StatusBadRequest, "The form has a field it should not have.")
			return
		}
	}
	if st.spool == nil {
		s.renderImports(w, r, http.StatusBadRequest, "Choose a CSV file to upload.")
		return
	}
	if st.overrides, err = csvimport.ParseMap(mapSpec); err != nil {
		s.renderImports(w, r, http.StatusBadRequest, "Column mapping: "+err.Error())
		return
	}
	if st.filename == "" {
		st.filename = "upload.csv"
	}
	if _, err := st.spool.Seek(0, io.SeekStart); err != nil {
		s.fail(w, r, &lead.Error{Kind: lead.KindInternal, Message: "cannot read the upload", Err: err})
		return
	}
	p, err := csvimport.NewPreview(st.spool, csvimport.Options{Filename: st.filename, Map: st.overrides, LazyQuotes: st.lazy}, previewRows)
	if err != nil {
		s.renderImports(w, r, http.StatusBadRequest, "The file cannot be imported: "+err.Error())
		return
	}
	ref, ok := s.staging.stage(st)
	if !ok {
		w.Header().Set("Retry-After", "60")
		s.renderImports(w, r, http.StatusServiceUnavailable, "Too many uploads wait for confirmation; try again in a few minutes.")
		return
	}
	kept = true
	u := userFrom(r.Context())
	s.render(w, http.StatusOK, "import-preview", previewData{User: &u, Ref: ref, Filename: st.filename, Preview: p})
}

func (s *server) tooLarge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	s.renderImports(w, r, http.StatusRequestEntityTooLarge, "The file is larger than "+limitText(s.MaxImport)+".")
}

// limitText words a size limit.
func limitText(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// uploadFailed answers an upload that could not be read, and logs why
// (never what it held).
func (s *server) uploadFailed(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.tooLarge(w, r)
		return
	}
	s.Logger.WarnContext(r.Context(), "web: import upload failed", "reason", "the upload could not be read")
	s.renderImports(w, r, http.StatusBadRequest, "The upload could not be read; try again.")
}

// importConfirm starts the import of a staged upload.
func (s *server) importConfirm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.renderImports(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	st := s.staging.take(r.PostForm.Get("ref"), userFrom(r.Context()).ID)
	if st == nil {
		s.renderImports(w, r, http.StatusGone, "That upload is no longer waiting (it was imported, cancelled, or waited longer than 30 minutes). Upload the file again.")
		return
	}
	started := false
	defer func() {
		if !started {
			st.spool.Remove()
		}
	}()
	if _, err := st.spool.Seek(0, io.SeekStart); err != nil {
		s.fail(w, r, &lead.Error{Kind: lead.KindInternal, Message: "cannot read the upload", Err: err})
		return
	}
	x, err := csvimport.Open(st.spool, csvimport.Options{Filename: st.filename, Map: st.overrides, LazyQuotes: st.lazy})
	if err != nil {
		s.renderImports(w, r, http.StatusBadRequest, "The file cannot be imported: "+lead.MessageOf(err))
		return
	}
	im, err := s.Imports.Start(r.Context(), x, st.spool.Remove)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	started = true
	s.staging.setTotal(im.ID, max(st.lines-1, 1)) // the header, and a last line break
	http.Redirect(w, r, "/imports/"+im.ID, http.StatusSeeOther)
}

// importCancel drops a staged upload.
func (s *server) importCancel(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.renderImports(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	if st := s.staging.take(r.PostForm.Get("ref"), userFrom(r.Context()).ID); st != nil {
		st.spool.Remove()
	}
	http.Redirect(w, r, "/imports", http.StatusSeeOther)
}

type importData struct {
	User    *lead.User
	Import  lead.Import
	Running bool
	// Max and Value draw the progress bar: rows read of about Max (0:
	// not known, the bar shows only that it runs).
	Max, Value int64
}

func (s *server) importData(r *http.Request) (importData, error) {
	u := userFrom(r.Context())
	im, err := s.Store.GetImport(r.Context(), r.PathValue("import"))
	if err != nil {
		return importData{}, err
	}
	d := importData{User: &u, Import: im, Running: im.Status == lead.ImportRunning, Value: im.Rows}
	d.Max = s.staging.total(im.ID, !d.Running)
	if !d.Running {
		d.Max, d.Value = max(im.Rows, 1), max(im.Rows, 1)
	} else if d.Max > 0 && d.Value >= d.Max {
		d.Max = d.Value + 1
	}
	return d, nil
}

// importPage shows an import: its progress while it runs, and then its
// counts and the rows that did not import cleanly.
func (s *server) importPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.importData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "import", d)
}

// importProgress is the progress part of the import page, which the page
// asks for every second while the import runs; when it has ended, the
// whole page is reloaded to show the row errors.
func (s *server) importProgress(w http.ResponseWriter, r *http.Request) {
	d, err := s.importData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !d.Running {
		w.Header().Set("HX-Refresh", "true")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.pages["import"].ExecuteTemplate(w, "progress", d); err != nil {
		s.Logger.Error("web: rendering a page", "page", "import progress", "error", err.Error())
	}
}
