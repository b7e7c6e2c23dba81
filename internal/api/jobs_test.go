package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/store"
)

type laterArgs struct{ Lead string }

func (laterArgs) Kind() string { return "test_later" }

// An admin lists the jobs, cancels one and has it run again.
func TestJobsEndpoints(t *testing.T) {
	ctx := context.Background()
	var runner *jobs.Runner
	h := apitest.Start(t, func(d *api.Deps) {
		st := d.Customers.(*store.Store)
		if _, err := jobs.Migrate(ctx, st.WriteDB(), st.Engine()); err != nil {
			t.Fatal(err)
		}
		r, err := jobs.New(ctx, st.WriteDB(), st.Engine(), jobs.Options{}) // enqueues only: nothing runs
		if err != nil {
			t.Fatal(err)
		}
		runner, d.Jobs = r, r
	})
	res, err := runner.Insert(ctx, laterArgs{Lead: "01J0"}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Job.ID

	list := func(query string) []jobs.Job {
		t.Helper()
		resp, b := apitest.Do(t, "GET", h.URL+"/api/v1/jobs"+query, h.APIKey, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/jobs%s: %d %s", query, resp.StatusCode, b)
		}
		var out struct{ Jobs []jobs.Job }
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out.Jobs
	}
	action := func(what string, wantStatus int) jobs.Job {
		t.Helper()
		resp, b := apitest.Do(t, "POST", fmt.Sprintf("%s/api/v1/jobs/%d/%s", h.URL, id, what), h.APIKey, nil, nil)
		if resp.StatusCode != wantStatus {
			t.Fatalf("POST %s: %d %s", what, resp.StatusCode, b)
		}
		var j jobs.Job
		_ = json.Unmarshal(b, &j)
		return j
	}

	if js := list("?state=scheduled&kind=test_later"); len(js) != 1 || js[0].ID != id || string(js[0].Args) != `{"Lead":"01J0"}` {
		t.Fatalf("scheduled jobs: %+v", js)
	}
	if j := action("cancel", http.StatusOK); j.State != "cancelled" || j.FinalizedAt == nil {
		t.Errorf("after cancel: %+v", j)
	}
	if js := list("?state=scheduled"); len(js) != 0 {
		t.Errorf("still scheduled: %+v", js)
	}
	if j := action("retry", http.StatusOK); j.State != "available" {
		t.Errorf("after retry: %+v", j)
	}
	if js := list("?limit=1"); len(js) != 1 || js[0].State != "available" {
		t.Errorf("all jobs: %+v", js)
	}

	for query, want := range map[string]int{"?state=lost": 400, "?limit=0": 400, "?limit=x": 400} {
		if resp, b := apitest.Do(t, "GET", h.URL+"/api/v1/jobs"+query, h.APIKey, nil, nil); resp.StatusCode != want {
			t.Errorf("GET /api/v1/jobs%s: %d, want %d; %s", query, resp.StatusCode, want, b)
		}
	}
	for _, path := range []string{"/api/v1/jobs/999999/retry", "/api/v1/jobs/x/cancel"} {
		if resp, b := apitest.Do(t, "POST", h.URL+path, h.APIKey, nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404; %s", path, resp.StatusCode, b)
		}
	}
}

// Without a job runner the endpoints say so.
func TestJobsUnavailable(t *testing.T) {
	h := apitest.Start(t, nil)
	if resp, b := apitest.Do(t, "GET", h.URL+"/api/v1/jobs", h.APIKey, nil, nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /api/v1/jobs: %d, want 503; %s", resp.StatusCode, b)
	}
}
