package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/lead"
)

// TestProcessCommands works a customer's follow-up process through the
// CLI against a running server: show, log a call, list activities, move
// the stage, and the server's refusals.
func TestProcessCommands(t *testing.T) {
	ts := startFresh(t)
	if s, _, b := ts.do(t, "POST", ts.ingestURL, "", []byte(sampleLead)); s >= 300 {
		t.Fatalf("ingest: %d %s", s, b)
	}
	srv := []string{"--server", ts.base, "--api-key", ts.apiKey}
	proc := func(args ...string) (string, error) {
		t.Helper()
		out, _, err := run(t, append(append([]string{"process"}, args...), srv...)...)
		return out, err
	}

	// The lead is resolved into a customer, which gets a process.
	var customer string
	eventually.True(t, 30*time.Second, "the customer's process", func() bool {
		var list struct {
			Customers []lead.Customer `json:"customers"`
		}
		if ts.api(t, "GET", "/api/v1/customers", nil, &list) != 200 || len(list.Customers) == 0 {
			return false
		}
		customer = list.Customers[0].ID
		_, err := proc("show", customer)
		return err == nil
	})

	out, err := proc("show", customer, "--json")
	var p lead.Process
	if err != nil || json.Unmarshal([]byte(out), &p) != nil || p.CustomerID != customer || p.Stage != lead.ProcessNew {
		t.Fatalf("show --json: %v %s", err, out)
	}
	out, err = proc("show", customer)
	if err != nil || !strings.Contains(out, customer) || !strings.Contains(out, "stage") || !strings.Contains(out, "new") {
		t.Fatalf("show: %v %s", err, out)
	}

	// A call is a first touch: the customer moves to contacted.
	out, err = proc("log", customer, "--kind", "call", "--outcome", "connected", "--note", "spoke about pricing")
	if err != nil || !strings.Contains(out, "logged call") {
		t.Fatalf("log: %v %s", err, out)
	}
	out, err = proc("activities", customer)
	if err != nil || !strings.Contains(out, "call") || !strings.Contains(out, "connected") || !strings.Contains(out, "spoke about pricing") {
		t.Fatalf("activities: %v %s", err, out)
	}
	out, err = proc("activities", customer, "--json")
	var acts struct {
		Activities []lead.Activity `json:"activities"`
	}
	if err != nil || json.Unmarshal([]byte(out), &acts) != nil || len(acts.Activities) != 1 || acts.Activities[0].Kind != lead.ActivityCall {
		t.Fatalf("activities --json: %v %s", err, out)
	}
	if ts.api(t, "GET", "/api/v1/customers/"+customer+"/process", nil, &p) != 200 || p.Stage == lead.ProcessNew || p.SLA.FirstTouchAt == nil {
		t.Fatalf("after the call: %+v", p)
	}

	// The stage moves, and the server's record shows it.
	out, err = proc("stage", customer, "qualified", "--reason", "budget confirmed")
	if err != nil || !strings.Contains(out, "qualified") {
		t.Fatalf("stage: %v %s", err, out)
	}
	if ts.api(t, "GET", "/api/v1/customers/"+customer+"/process", nil, &p) != 200 || p.Stage != lead.ProcessQualified {
		t.Fatalf("after stage: %+v", p)
	}

	// A manager's qualification override is kept with its reason.
	out, err = proc("qualify", customer, "nurture", "--reason", "next budget year")
	if err != nil || !strings.Contains(out, "nurture") || !strings.Contains(out, "next budget year") {
		t.Fatalf("qualify: %v %s", err, out)
	}
	if _, err := proc("assign", customer, "--user", "nobody", "--reason", "r"); err == nil || !strings.Contains(err.Error(), "/assign") {
		t.Fatalf("assign to an unknown user: %v", err)
	}

	// Refusals carry the server's reason; missing arguments are usage errors.
	if _, err := proc("stage", customer, "nope"); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("unknown stage: %v", err)
	}
	if _, err := proc("show", "nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown customer: %v", err)
	}
	if _, err := proc("log", customer); ExitCode(err) != 2 {
		t.Fatalf("log without --kind: %v", err)
	}
	if _, err := proc("stage", customer); ExitCode(err) != 2 {
		t.Fatalf("stage without a stage: %v", err)
	}

	// Tasks, teams and rules list what the server has.
	if out, err = proc("teams"); err != nil || !strings.Contains(out, "true") {
		t.Fatalf("teams: %v %s", err, out)
	}
	if out, err = proc("rules"); err != nil || !strings.Contains(out, "POSITION") {
		t.Fatalf("rules: %v %s", err, out)
	}
	if out, err = proc("tasks", "--customer", customer); err != nil {
		t.Fatalf("tasks: %v %s", err, out)
	}
	if _, err = proc("tasks", "--state", "nope"); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("tasks --state nope: %v", err)
	}
}
