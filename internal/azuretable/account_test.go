package azuretable_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/azuretable"
	"github.com/leadhub/leadhub/internal/ingest"
)

func TestParseConnectionString(t *testing.T) {
	const key = "c2VjcmV0LWFjY291bnQta2V5LXRoYXQtbXVzdC1uZXZlci1sZWFr" // base64
	const sas = "sv=2019-02-02&ss=t&srt=sco&sp=rl&se=2099-01-01T00:00:00Z&sig=U2VjcmV0U2lnbmF0dXJlVmFsdWU%3D"
	secrets := []string{key, "U2VjcmV0U2lnbmF0dXJlVmFsdWU", "QUJD"}
	ok := []struct {
		name, in, account, endpoint, cred string
	}{
		{"portal form", "DefaultEndpointsProtocol=https;AccountName=contosoleads;AccountKey=" + key + ";EndpointSuffix=core.windows.net",
			"contosoleads", "https://contosoleads.table.core.windows.net", "shared key"},
		{"trailing semicolon, spaces, any key case", " defaultendpointsprotocol=https; ACCOUNTNAME=contosoleads ;accountkey=" + key + ";\n",
			"contosoleads", "https://contosoleads.table.core.windows.net", "shared key"},
		{"no protocol nor suffix", "AccountName=contosoleads;AccountKey=" + key,
			"contosoleads", "https://contosoleads.table.core.windows.net", "shared key"},
		{"sovereign suffix", "DefaultEndpointsProtocol=https;AccountName=contosoleads;AccountKey=" + key + ";EndpointSuffix=core.chinacloudapi.cn",
			"contosoleads", "https://contosoleads.table.core.chinacloudapi.cn", "shared key"},
		{"other services' endpoints are ignored", "BlobEndpoint=https://contosoleads.blob.core.windows.net/;QueueEndpoint=https://contosoleads.queue.core.windows.net/;AccountName=contosoleads;AccountKey=" + key,
			"contosoleads", "https://contosoleads.table.core.windows.net", "shared key"},
		{"table endpoint", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + key + ";TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;",
			"devstoreaccount1", "http://127.0.0.1:10002/devstoreaccount1", "shared key"},
		{"development storage", "UseDevelopmentStorage=true",
			"devstoreaccount1", "http://127.0.0.1:10002/devstoreaccount1", "shared key"},
		{"development storage, spaced", " UseDevelopmentStorage = TRUE ; ",
			"devstoreaccount1", "http://127.0.0.1:10002/devstoreaccount1", "shared key"},
		{"2017 JSON form", `{"connectionString":"DefaultEndpointsProtocol=https;AccountName=leadaccount;AccountKey=` + key + `"}`,
			"leadaccount", "https://leadaccount.table.core.windows.net", "shared key"},
		{"2017 JSON form, other casing and spaces", "{\n  \"ConnectionString\": \"AccountName=leadaccount;AccountKey=" + key + "\"\n}",
			"leadaccount", "https://leadaccount.table.core.windows.net", "shared key"},
		{"SAS with table endpoint, no account name", "TableEndpoint=https://contosoleads.table.core.windows.net/;SharedAccessSignature=" + sas,
			"contosoleads", "https://contosoleads.table.core.windows.net", "shared access signature"},
		{"SAS with account name", "AccountName=contosoleads;SharedAccessSignature=?" + sas,
			"contosoleads", "https://contosoleads.table.core.windows.net", "shared access signature"},
		{"SAS on a path-style endpoint", "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;SharedAccessSignature=" + sas,
			"devstoreaccount1", "http://127.0.0.1:10002/devstoreaccount1", "shared access signature"},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			a, err := azuretable.ParseConnectionString(c.in)
			if err != nil {
				t.Fatalf("ParseConnectionString: %v", err)
			}
			if a.Name != c.account || a.Endpoint != c.endpoint || a.Credential() != c.cred {
				t.Errorf("got %s (%s), want %s at %s (%s)", a, a.Credential(), c.account, c.endpoint, c.cred)
			}
			j, _ := json.Marshal(a)
			var logs strings.Builder
			slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "account", a)
			for _, text := range []string{a.String(), fmt.Sprint(a), fmt.Sprintf("%+v", a), fmt.Sprintf("%#v", a), string(j), logs.String()} {
				if !strings.Contains(text, c.account) {
					t.Errorf("%q does not name the account", text)
				}
				for _, s := range secrets {
					if strings.Contains(text, s) {
						t.Errorf("%q shows a secret", text)
					}
				}
			}
		})
	}

	bad := []struct {
		name, in, want string
	}{
		{"empty", "  ", "connection string is empty"},
		{"no key", "DefaultEndpointsProtocol=https;AccountName=contosoleads;EndpointSuffix=core.windows.net", "no AccountKey"},
		{"no account", "DefaultEndpointsProtocol=https;AccountKey=" + key, "no AccountName"},
		{"key not base64", "AccountName=contosoleads;AccountKey=" + key + "!!", "AccountKey is not valid base64"},
		{"empty key", "AccountName=contosoleads;AccountKey=", "AccountKey is empty"},
		{"typo in a key name", "AccountName=contosoleads;AcountKey=" + key, `unknown key "AcountKey"`},
		{"a bare fragment", "AccountName=contosoleads;" + key + ";AccountKey=" + key, "part 2 is not Key=Value"},
		{"given twice", "AccountName=a;AccountName=b;AccountKey=" + key, "AccountName is given twice"},
		{"bad protocol", "DefaultEndpointsProtocol=ftp;AccountName=contosoleads;AccountKey=" + key, `DefaultEndpointsProtocol "ftp"`},
		{"bad suffix", "AccountName=contosoleads;AccountKey=" + key + ";EndpointSuffix=https://x", "EndpointSuffix"},
		{"bad table endpoint", "AccountName=contosoleads;AccountKey=" + key + ";TableEndpoint=contoso", "TableEndpoint is not an absolute http(s) URL"},
		{"table endpoint with a query", "AccountName=contosoleads;AccountKey=" + key + ";TableEndpoint=https://x.table.core.windows.net/?" + sas, "TableEndpoint must not hold a query"},
		{"key and SAS", "AccountName=contosoleads;AccountKey=" + key + ";SharedAccessSignature=" + sas, "both AccountKey and SharedAccessSignature"},
		{"SAS without sig", "AccountName=contosoleads;SharedAccessSignature=sv=2019-02-02&sp=rl", "SharedAccessSignature is not a signature query"},
		{"development storage false", "UseDevelopmentStorage=false", "UseDevelopmentStorage must be true"},
		{"development storage proxy", "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://proxy", "DevelopmentStorageProxyUri is not supported"},
		{"JSON without the member", `{"connection":"AccountName=a;AccountKey=` + key + `"}`, `no "connectionString" member`},
		{"JSON not valid", `{"connectionString":"AccountName=a;AccountKey=` + key, "not a JSON object"},
		{"JSON member not a string", `{"connectionString":42}`, "is not a string"},
		{"account name with a slash", "AccountName=a/b;AccountKey=" + key, "is not a storage account name"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := azuretable.ParseConnectionString(c.in)
			if err == nil {
				t.Fatalf("accepted %q", c.in)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to mention %q", err, c.want)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q shows a secret", err)
				}
			}
		})
	}
}

func TestConnectionStringsFlag(t *testing.T) {
	var cs azuretable.ConnectionStrings
	if cs.String() != "" {
		t.Errorf("empty flag shows %q", cs.String())
	}
	_ = cs.Set("UseDevelopmentStorage=true")
	_ = cs.Set("AccountName=a;AccountKey=QUJD\n\n  AccountName=b;AccountKey=QUJD  \n")
	_ = cs.Set("{\n \"connectionString\": \"AccountName=c;AccountKey=QUJD\"\n}")
	if len(cs) != 4 || cs[1] != "AccountName=a;AccountKey=QUJD" || cs[2] != "AccountName=b;AccountKey=QUJD" || !strings.Contains(cs[3], `"connectionString"`) {
		t.Errorf("flag = %q", []string(cs))
	}
	if s := cs.String(); strings.Contains(s, "QUJD") || !strings.Contains(s, "4") {
		t.Errorf("String() = %q", s)
	}
	var nilFlag *azuretable.ConnectionStrings
	if nilFlag.String() != "" {
		t.Error("nil flag String")
	}
}

func TestNewPollersErrors(t *testing.T) {
	deps := azuretable.Deps{Store: nopStore{}, Inbox: nopInbox{}}
	_, err := azuretable.NewPollers([]string{"UseDevelopmentStorage=true", "AccountName=x;AccountKey=c2VjcmV0!!", "UseDevelopmentStorage=true"},
		azuretable.Options{}, deps)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"connection string 2: connection string: AccountKey is not valid base64",
		"connection strings 1 and 3 both name azure_table:devstoreaccount1/marketplaceleads"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("error shows the key: %s", err)
	}
	if _, err := azuretable.NewPollers([]string{"UseDevelopmentStorage=true"}, azuretable.Options{Table: "bad-name"}, deps); err == nil ||
		!strings.Contains(err.Error(), `azure table name "bad-name": want 3 to 63 letters and digits`) {
		t.Errorf("bad table name: %v", err)
	}
	ps, err := azuretable.NewPollers([]string{"UseDevelopmentStorage=true", "DefaultEndpointsProtocol=https;AccountName=contosoleads;AccountKey=QUJD"}, azuretable.Options{}, deps)
	if err != nil || len(ps) != 2 {
		t.Fatalf("NewPollers: %v", err)
	}
	d := ps[1].Describe()
	if d.Source != "azure_table:contosoleads/marketplaceleads" || d.Table != "MarketplaceLeads" || d.Account != "contosoleads" ||
		d.Endpoint != "https://contosoleads.table.core.windows.net" || d.Interval != azuretable.DefaultInterval || d.Overlap != azuretable.DefaultOverlap {
		t.Errorf("Describe() = %+v", d)
	}
	j, _ := json.Marshal(d)
	if !strings.Contains(string(j), `"interval_seconds":60`) || strings.Contains(string(j), "QUJD") {
		t.Errorf("Describe() JSON = %s", j)
	}
}

type nopStore struct{}

func (nopStore) GetCheckpoint(context.Context, string) (string, error)               { return "", nil }
func (nopStore) SetCheckpoint(context.Context, string, string) error                 { return nil }
func (nopStore) RecordSourceResult(context.Context, string, string, time.Time) error { return nil }

type nopInbox struct{}

func (nopInbox) Receive(context.Context, ingest.Body) (ingest.Receipt, error) {
	return ingest.Receipt{}, nil
}
