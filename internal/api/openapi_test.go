package api

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/sources"
)

type openAPIDocument struct {
	OpenAPI    string                               `json:"openapi"`
	Paths      map[string]map[string]map[string]any `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) openAPIDocument {
	t.Helper()
	var doc openAPIDocument
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIMatchesRoutes keeps the hand-written document and the route
// table in step: every route is documented and every documented operation
// is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	s := &server{gatherer: prometheus.NewRegistry()}
	routed := map[string]bool{}
	for _, r := range s.table() {
		routed[strings.ToLower(r.method)+" "+r.path] = true
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[method+" "+path] = true
		}
	}
	for k := range routed {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range documented {
		if !routed[k] {
			t.Errorf("openapi.json documents %s, which is not routed", k)
		}
	}
}

// jsonKeys returns the JSON names of a struct's fields, flattening embedded structs.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			keys = append(keys, jsonKeys(f.Type)...)
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		keys = append(keys, name)
	}
	sort.Strings(keys)
	return keys
}

// TestOpenAPISchemasMatchTypes checks that the documented schemas name
// exactly the JSON fields the Go types produce.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	for schema, typ := range map[string]reflect.Type{
		"Lead":                        reflect.TypeFor[lead.Lead](),
		"Offer":                       reflect.TypeFor[lead.Offer](),
		"Contact":                     reflect.TypeFor[lead.Contact](),
		"IngestAnswer":                reflect.TypeFor[ingestAnswer](),
		"RawLead":                     reflect.TypeFor[rawView](),
		"Problem":                     reflect.TypeFor[httpx.Problem](),
		"SourceStatus":                reflect.TypeFor[sources.Status](),
		"Import":                      reflect.TypeFor[lead.Import](),
		"RowError":                    reflect.TypeFor[lead.RowError](),
		"ImportColumn":                reflect.TypeFor[csvimport.Column](),
		"ImportAnswer":                reflect.TypeFor[importAnswer](),
		"Customer":                    reflect.TypeFor[lead.Customer](),
		"Golden":                      reflect.TypeFor[lead.Golden](),
		"CustomerDetail":              reflect.TypeFor[customerAnswer](),
		"Process":                     reflect.TypeFor[lead.Process](),
		"Activity":                    reflect.TypeFor[lead.Activity](),
		"ActivityRequest":             reflect.TypeFor[activityRequest](),
		"Task":                        reflect.TypeFor[lead.Task](),
		"CustomerLead":                reflect.TypeFor[lead.CustomerLead](),
		"Thresholds":                  reflect.TypeFor[lead.Thresholds](),
		"FieldComparison":             reflect.TypeFor[lead.FieldComparison](),
		"CandidateScore":              reflect.TypeFor[lead.CandidateScore](),
		"Explanation":                 reflect.TypeFor[lead.Explanation](),
		"Contradiction":               reflect.TypeFor[lead.Contradiction](),
		"Decision":                    reflect.TypeFor[lead.Decision](),
		"ReviewItem":                  reflect.TypeFor[lead.ReviewItem](),
		"AuditEntry":                  reflect.TypeFor[lead.AuditEntry](),
		"ActionRequest":               reflect.TypeFor[actionRequest](),
		"ChangeAnswer":                reflect.TypeFor[changeAnswer](),
		"Account":                     reflect.TypeFor[lead.Account](),
		"AccountPerson":               reflect.TypeFor[lead.AccountPerson](),
		"AccountDetail":               reflect.TypeFor[lead.AccountDetail](),
		"Job":                         reflect.TypeFor[jobs.Job](),
		"JobError":                    reflect.TypeFor[jobs.AttemptError](),
		"Team":                        reflect.TypeFor[lead.Team](),
		"TeamMember":                  reflect.TypeFor[lead.TeamMember](),
		"Calendar":                    reflect.TypeFor[lead.Calendar](),
		"Span":                        reflect.TypeFor[lead.Span](),
		"SLAPolicy":                   reflect.TypeFor[lead.SLAPolicy](),
		"AssignRule":                  reflect.TypeFor[lead.AssignRule](),
		"RuleCondition":               reflect.TypeFor[lead.RuleCondition](),
		"Notification":                reflect.TypeFor[lead.Notification](),
		"NotificationList":            reflect.TypeFor[notificationList](),
		"NotificationSettings":        reflect.TypeFor[notifySettings](),
		"NotificationSettingsRequest": reflect.TypeFor[notifySettingsRequest](),
		"Webhook":                     reflect.TypeFor[webhookView](),
		"Delivery":                    reflect.TypeFor[lead.Delivery](),
	} {
		var documented []string
		for k := range doc.Components.Schemas[schema].Properties {
			documented = append(documented, k)
		}
		sort.Strings(documented)
		if got := jsonKeys(typ); !reflect.DeepEqual(got, documented) {
			t.Errorf("schema %s documents %v; the Go type has %v", schema, documented, got)
		}
	}
}
