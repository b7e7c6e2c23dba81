package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/lead"
)

// TestServeCleansUpAfterACrash starts serve where a server died during an
// import: the import it left running is marked failed, saying what to do,
// and the upload it left in the spool directory (personal data) is removed.
func TestServeCleansUpAfterACrash(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	spoolDir := filepath.Join(tmp, csvimport.SpoolDirName)
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			st, err := openStore(context.Background(), dsn, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			saved := time.Now().Add(-time.Hour)
			id := "01CRASHED" + engine
			if err := st.CreateImport(context.Background(), lead.Import{ID: id, Filename: "leads.csv", Status: lead.ImportRunning,
				CreatedAt: saved, UpdatedAt: saved, Rows: 10, Created: 10, Errors: []lead.RowError{}}); err != nil {
				t.Fatal(err)
			}
			st.Close()
			if err := os.MkdirAll(spoolDir, 0o700); err != nil {
				t.Fatal(err)
			}
			left := filepath.Join(spoolDir, "upload-"+engine+".csv")
			if err := os.WriteFile(left, []byte("Email\nsomeone@contoso.com\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(left, saved, saved); err != nil {
				t.Fatal(err)
			}

			ts := startTestServer(t, dsn)
			var im lead.Import
			if s := ts.api(t, "GET", "/api/v1/imports/"+id, nil, &im); s != 200 {
				t.Fatalf("GET import: %d", s)
			}
			if im.Status != lead.ImportFailed || im.Error != csvimport.InterruptedReason || im.Created != 10 {
				t.Errorf("import left by the crash: %+v", im)
			}
			if _, err := os.Stat(left); !os.IsNotExist(err) {
				t.Errorf("the crashed server's upload is still in the spool directory: %v", err)
			}
		})
	}
}
