package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
	"github.com/leadhub/leadhub/internal/web"
)

// withImports gives the web app an inbox and an import runner.
func withImports(t *testing.T, dir string) func(*web.Deps) {
	return func(d *web.Deps) {
		st := d.Store.(csvimport.Store)
		inbox := ingest.New(d.Store.(lead.BatchCommitter), ingest.Options{})
		runner := csvimport.NewRunner(context.Background(), csvimport.RunnerOptions{Inbox: inbox, Store: st, Dir: dir})
		t.Cleanup(func() { runner.Stop(); inbox.Close() })
		d.Inbox, d.Imports = inbox, runner
	}
}

// upload posts a CSV file to /imports as multipart/form-data.
func (ev *env) upload(c *http.Cookie, name, content string, fields ...string) (*http.Response, string) {
	ev.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", ev.srv.URL+"/imports", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if c != nil {
		req.AddCookie(c)
	}
	resp, err := ev.client.Do(req)
	if err != nil {
		ev.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var refRE = regexp.MustCompile(`name="ref" value="([0-9a-f]+)"`)

// An uploaded file is previewed (mapping, unmapped and missing columns,
// warnings, first rows) and imported only once confirmed; the import page
// shows its progress and then the rows that did not import cleanly.
func TestImportUploadPreviewConfirm(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		dir := t.TempDir()
		ev := start(t, e, nil, false, withImports(t, dir), func(d *web.Deps) { d.MaxImport = 64 << 10 })
		manager := ev.signIn(ev.user(lead.RoleManager, true), nil)
		viewer := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		admin := ev.signIn(ev.user(lead.RoleAdmin, true), nil)
		csv := "Email,First Name,Offer ID,Lead Status\n" +
			"ann@contoso.com,Ann,contoso.crm,New\n" +
			"bob@fabrikam.com,Bob\n" +
			"cy@fabrikam.com,Cy,contoso.crm,Open\n"

		if resp, _ := ev.upload(viewer, "leads.csv", csv); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a viewer uploads: %d", resp.StatusCode)
		}
		resp, body := ev.upload(manager, "leads.csv", csv)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("upload: %d\n%s", resp.StatusCode, body)
		}
		checkHeaders(t, "preview", resp)
		for _, want := range []string{"comma-delimited", "first_name", "<td>Email</td>", "recognised", "not recognised",
			"Lead Status", "<strong>company</strong>", "ann@contoso.com", `action="/imports/confirm"`, "Warnings"} {
			if !strings.Contains(body, want) {
				t.Errorf("the preview lacks %q\n%s", want, body)
			}
		}
		m := refRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no ref in the preview\n%s", body)
		}
		ref := m[1]
		if list, _ := ev.st.ListImports(context.Background(), 10); len(list) != 0 {
			t.Fatalf("imported before confirming: %+v", list)
		}
		if resp, _ := ev.do("POST", "/imports/confirm", admin, url.Values{"ref": {ref}}); resp.StatusCode != http.StatusGone {
			t.Fatalf("another user confirms: %d", resp.StatusCode)
		}
		resp, body = ev.do("POST", "/imports/confirm", manager, url.Values{"ref": {ref}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/imports/") {
			t.Fatalf("confirm: %d %q\n%s", resp.StatusCode, loc, body)
		}
		if resp, _ := ev.do("POST", "/imports/confirm", manager, url.Values{"ref": {ref}}); resp.StatusCode != http.StatusGone {
			t.Fatalf("confirmed twice: %d", resp.StatusCode)
		}
		eventually.True(t, 10*time.Second, "the import to end", func() bool {
			resp, body := ev.do("GET", loc+"/progress", viewer, nil)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<progress") {
				t.Fatalf("progress: %d\n%s", resp.StatusCode, body)
			}
			return resp.Header.Get("HX-Refresh") == "true"
		})
		resp, body = ev.do("GET", loc, viewer, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Done") || !strings.Contains(body, "<td>3</td><td>quarantined</td>") ||
			!strings.Contains(body, "wrong number of fields") || strings.Contains(body, "hx-trigger") {
			t.Fatalf("the import page: %d\n%s", resp.StatusCode, body)
		}
		page, err := ev.st.ListQuarantine(context.Background(), lead.QuarantineFilter{ImportID: strings.TrimPrefix(loc, "/imports/")})
		if err != nil || len(page.Raws) != 1 {
			t.Fatalf("the quarantined rows: %+v %v", page, err)
		}
		if resp, body := ev.do("GET", "/imports", viewer, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "leads.csv") ||
			strings.Contains(body, `enctype="multipart/form-data"`) {
			t.Fatalf("the list as a viewer: %d\n%s", resp.StatusCode, body)
		}

		// A file over the limit is refused, and not kept.
		big := "Email\n" + strings.Repeat("someone@contoso.com\n", 4000)
		if resp, body := ev.upload(manager, "big.csv", big); resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than 64 KiB") {
			t.Fatalf("a file over the limit: %d\n%s", resp.StatusCode, body)
		}

		// A file without contact details is refused at the preview; a
		// cancelled upload is gone.
		if resp, body := ev.upload(manager, "x.csv", "Colour,Size\nblue,4\n"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "contact details") {
			t.Fatalf("no contact details: %d\n%s", resp.StatusCode, body)
		}
		_, body = ev.upload(manager, "y.csv", "Mail,Firm\nann@contoso.com,Contoso\n", "map", "Mail=email,Firm=company")
		m = refRE.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "your mapping") {
			t.Fatalf("a mapped upload\n%s", body)
		}
		// A new upload replaces the one that waited.
		_, body = ev.upload(manager, "z.csv", "Email\nann@contoso.com\n")
		z := refRE.FindStringSubmatch(body)
		if z == nil {
			t.Fatalf("z.csv\n%s", body)
		}
		if resp, _ := ev.do("POST", "/imports/confirm", manager, url.Values{"ref": {m[1]}}); resp.StatusCode != http.StatusGone {
			t.Fatalf("a replaced upload confirmed: %d", resp.StatusCode)
		}
		m = z
		if resp, _ := ev.do("POST", "/imports/cancel", manager, url.Values{"ref": {m[1]}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("cancel: %d", resp.StatusCode)
		}
		if resp, _ := ev.do("POST", "/imports/confirm", manager, url.Values{"ref": {m[1]}}); resp.StatusCode != http.StatusGone {
			t.Fatalf("confirm after cancel: %d", resp.StatusCode)
		}
		eventually.True(t, 5*time.Second, "the uploads to be removed", func() bool {
			left, _ := filepath.Glob(filepath.Join(dir, "*"))
			return len(left) == 0
		})
	})
}
