// Package azuretable reads marketplace leads from a publisher's Azure Table,
// the "Azure Table" lead destination of Microsoft's commercial marketplace,
// and hands each entity to the ingest inbox exactly once.
//
// Microsoft writes one entity per lead into a table of the publisher's
// storage account (the samples name it MarketplaceLeads). A Poller lists the
// entities modified since its last watermark, page by page, submits each one
// with an idempotency key made of its PartitionKey and RowKey, and saves its
// progress after every page. It only ever reads the table.
//
// References:
//   - https://github.com/MicrosoftDocs/azure-docs/blob/e81be0344120e64ad25adbb531f801449070121f/articles/marketplace/partner-center-portal/commercial-marketplace-lead-management-instructions-azure-table.md
//   - https://learn.microsoft.com/en-us/rest/api/storageservices/query-entities
//   - https://learn.microsoft.com/en-us/rest/api/storageservices/query-timeout-and-pagination
//   - https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string
package azuretable

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// DevelopmentConnectionString is what UseDevelopmentStorage=true stands
// for: the storage emulator's well-known account on its default table port.
// The key is public (it is the emulator's documented key).
const DevelopmentConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
	"AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
	"TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"

// Account is a storage account's table service and its credential, parsed
// from a connection string. The credential (an account key or a shared
// access signature) is kept unexported and never printed: String, GoString
// and LogValue show only the account name and endpoint.
type Account struct {
	// Name is the storage account name, e.g. "contosoleads".
	Name string
	// Endpoint is the table service URL without a query, e.g.
	// "https://contosoleads.table.core.windows.net" or
	// "http://127.0.0.1:10002/devstoreaccount1".
	Endpoint string

	key string // base64 shared key; "" when sas is set
	sas string // shared access signature query, without "?"
}

// Credential names the kind of credential the account holds: "shared key"
// or "shared access signature".
func (a Account) Credential() string {
	if a.sas != "" {
		return "shared access signature"
	}
	return "shared key"
}

// String describes the account without its credential.
func (a Account) String() string {
	return fmt.Sprintf("%s at %s (%s redacted)", a.Name, a.Endpoint, a.Credential())
}

// GoString keeps %#v from printing the credential.
func (a Account) GoString() string { return "azuretable.Account{" + a.String() + "}" }

// LogValue keeps log/slog from printing the credential.
func (a Account) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", a.Name), slog.String("endpoint", a.Endpoint))
}

// MarshalJSON writes the account without its credential.
func (a Account) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name       string `json:"name"`
		Endpoint   string `json:"endpoint"`
		Credential string `json:"credential"`
	}{a.Name, a.Endpoint, a.Credential()})
}

// redact replaces the account's secrets in s, so that no error or log line
// can carry them even when a lower layer quotes a URL.
func (a Account) redact(s string) string {
	return redactSecrets(s, a.key, a.sas)
}

func redactSecrets(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		s = strings.ReplaceAll(s, sec, "REDACTED")
		if esc := url.QueryEscape(sec); esc != sec {
			s = strings.ReplaceAll(s, esc, "REDACTED")
		}
		// A SAS is a query string: each of its values (sig above all) may
		// appear on its own, in either encoding.
		if q, err := url.ParseQuery(sec); err == nil && strings.Contains(sec, "=") {
			for _, vs := range q {
				for _, v := range vs {
					if len(v) >= 8 {
						s = strings.ReplaceAll(s, v, "REDACTED")
						s = strings.ReplaceAll(s, url.QueryEscape(v), "REDACTED")
					}
				}
			}
		}
	}
	return s
}

// knownKeys are the connection string keys Azure Storage defines; keys are
// matched ignoring case. Endpoints of the other services are accepted and
// ignored.
var knownKeys = map[string]string{
	"defaultendpointsprotocol":   "DefaultEndpointsProtocol",
	"accountname":                "AccountName",
	"accountkey":                 "AccountKey",
	"endpointsuffix":             "EndpointSuffix",
	"tableendpoint":              "TableEndpoint",
	"sharedaccesssignature":      "SharedAccessSignature",
	"usedevelopmentstorage":      "UseDevelopmentStorage",
	"developmentstorageproxyuri": "DevelopmentStorageProxyUri",
	"blobendpoint":               "BlobEndpoint",
	"queueendpoint":              "QueueEndpoint",
	"fileendpoint":               "FileEndpoint",
	"tablesecondaryendpoint":     "TableSecondaryEndpoint",
	"blobsecondaryendpoint":      "BlobSecondaryEndpoint",
	"queuesecondaryendpoint":     "QueueSecondaryEndpoint",
	"filesecondaryendpoint":      "FileSecondaryEndpoint",
}

// ParseConnectionString reads an Azure Storage connection string in any of
// the forms a publisher may hold:
//
//   - DefaultEndpointsProtocol=https;AccountName=NAME;AccountKey=KEY;EndpointSuffix=core.windows.net
//   - the same with TableEndpoint=URL (used as given) instead of, or besides,
//     the protocol and suffix, as the emulator and custom domains need;
//   - TableEndpoint=URL;SharedAccessSignature=SAS (AccountName optional);
//   - the 2017 Cloud Partner Portal JSON form {"connectionString":"…"};
//   - UseDevelopmentStorage=true, the local emulator (see
//     DevelopmentConnectionString).
//
// Keys match ignoring case; a trailing ";" and spaces around parts are
// ignored. Errors say what is wrong by key name and never contain the
// account key or the signature.
func ParseConnectionString(s string) (Account, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		inner, err := fromJSON(s)
		if err != nil {
			return Account{}, err
		}
		s = strings.TrimSpace(inner)
	}
	if s == "" {
		return Account{}, errors.New("connection string is empty")
	}
	kv, secrets, err := splitPairs(s)
	if err != nil {
		return Account{}, errors.New(redactSecrets(err.Error(), secrets...))
	}
	a, err := accountFrom(kv)
	if err != nil {
		return Account{}, errors.New(redactSecrets(err.Error(), secrets...))
	}
	return a, nil
}

func fromJSON(s string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return "", errors.New(`connection string starts with "{" but is not a JSON object (want {"connectionString":"DefaultEndpointsProtocol=…"})`)
	}
	for k, v := range m {
		if !strings.EqualFold(k, "connectionString") {
			continue
		}
		var inner string
		if err := json.Unmarshal(v, &inner); err != nil {
			return "", errors.New(`connection string JSON: "connectionString" is not a string`)
		}
		if strings.HasPrefix(strings.TrimSpace(inner), "{") {
			return "", errors.New(`connection string JSON: "connectionString" holds JSON again`)
		}
		return inner, nil
	}
	return "", errors.New(`connection string JSON has no "connectionString" member`)
}

// splitPairs splits Key=Value;… into canonical key → value. It also returns
// the values of the secret keys, to redact them from any error.
func splitPairs(s string) (map[string]string, []string, error) {
	kv := map[string]string{}
	var secrets []string
	var errs []string
	for i, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		if !ok || k == "" {
			// The part itself may be a piece of a key: never quote it.
			errs = append(errs, fmt.Sprintf("part %d is not Key=Value", i+1))
			continue
		}
		canon, known := knownKeys[strings.ToLower(k)]
		if canon == "AccountKey" || canon == "SharedAccessSignature" {
			secrets = append(secrets, v)
		}
		if !known {
			if len(k) > 40 || strings.ContainsAny(k, " \t/+") {
				errs = append(errs, fmt.Sprintf("part %d has an unknown key", i+1))
			} else {
				errs = append(errs, fmt.Sprintf("unknown key %q", k))
			}
			continue
		}
		if _, dup := kv[canon]; dup {
			errs = append(errs, fmt.Sprintf("%s is given twice", canon))
			continue
		}
		kv[canon] = v
	}
	if len(errs) > 0 {
		return nil, secrets, fmt.Errorf("connection string: %s (want Key=Value;… as in DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=core.windows.net)", strings.Join(errs, "; "))
	}
	return kv, secrets, nil
}

func accountFrom(kv map[string]string) (Account, error) {
	if dev, ok := kv["UseDevelopmentStorage"]; ok {
		if !strings.EqualFold(dev, "true") {
			return Account{}, fmt.Errorf("connection string: UseDevelopmentStorage must be true, not %q", dev)
		}
		if _, ok := kv["DevelopmentStorageProxyUri"]; ok {
			return Account{}, errors.New("connection string: DevelopmentStorageProxyUri is not supported; give the emulator's TableEndpoint=… with its AccountName and AccountKey instead")
		}
		if len(kv) > 1 {
			return Account{}, errors.New("connection string: UseDevelopmentStorage=true takes no other keys")
		}
		return ParseConnectionString(DevelopmentConnectionString)
	}
	if _, ok := kv["DevelopmentStorageProxyUri"]; ok {
		return Account{}, errors.New("connection string: DevelopmentStorageProxyUri needs UseDevelopmentStorage=true")
	}

	var a Account
	key, hasKey := kv["AccountKey"]
	sas, hasSAS := kv["SharedAccessSignature"]
	switch {
	case hasKey && hasSAS:
		return Account{}, errors.New("connection string has both AccountKey and SharedAccessSignature; give one")
	case hasKey:
		if key == "" {
			return Account{}, errors.New("connection string: AccountKey is empty")
		}
		if _, err := base64.StdEncoding.DecodeString(key); err != nil {
			return Account{}, errors.New("connection string: AccountKey is not valid base64 (copy it again from the storage account's Access keys)")
		}
		a.key = key
	case hasSAS:
		sas = strings.TrimPrefix(sas, "?")
		if sas == "" {
			return Account{}, errors.New("connection string: SharedAccessSignature is empty")
		}
		q, err := url.ParseQuery(sas)
		if err != nil || q.Get("sig") == "" {
			return Account{}, errors.New("connection string: SharedAccessSignature is not a signature query (want sv=…&…&sig=…)")
		}
		a.sas = sas
	default:
		return Account{}, errors.New("connection string has no AccountKey (or SharedAccessSignature)")
	}

	name, hasName := kv["AccountName"]
	if hasName {
		if name == "" || strings.ContainsAny(name, " \t/\\?#@:") {
			return Account{}, fmt.Errorf("connection string: AccountName %q is not a storage account name", name)
		}
	}
	if ep, ok := kv["TableEndpoint"]; ok {
		u, err := url.Parse(ep)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Account{}, errors.New("connection string: TableEndpoint is not an absolute http(s) URL")
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return Account{}, errors.New("connection string: TableEndpoint must not hold a query, fragment or user (put a signature in SharedAccessSignature)")
		}
		a.Endpoint = strings.TrimRight(u.String(), "/")
		if !hasName {
			name = accountFromEndpoint(u)
			if name == "" {
				return Account{}, errors.New("connection string: no AccountName, and the TableEndpoint does not show one")
			}
		}
		a.Name = name
		return a, nil
	}
	if !hasName {
		return Account{}, errors.New("connection string has no AccountName (and no TableEndpoint)")
	}
	proto := "https"
	if p, ok := kv["DefaultEndpointsProtocol"]; ok {
		proto = strings.ToLower(p)
		if proto != "http" && proto != "https" {
			return Account{}, fmt.Errorf("connection string: DefaultEndpointsProtocol %q: want https or http", p)
		}
	}
	suffix := "core.windows.net"
	if s, ok := kv["EndpointSuffix"]; ok {
		suffix = strings.Trim(s, ". ")
		if suffix == "" || strings.ContainsAny(suffix, "/?#@: ") {
			return Account{}, fmt.Errorf("connection string: EndpointSuffix %q is not a domain (e.g. core.windows.net)", s)
		}
	}
	a.Name = name
	a.Endpoint = proto + "://" + name + ".table." + suffix
	return a, nil
}

// accountFromEndpoint finds the account in a table endpoint: the first label
// of NAME.table.SUFFIX, else the first path segment (path-style URLs such as
// the emulator's http://127.0.0.1:10002/devstoreaccount1).
func accountFromEndpoint(u *url.URL) string {
	host := u.Hostname()
	if i := strings.Index(host, ".table."); i > 0 {
		return host[:i]
	}
	if seg, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/"); seg != "" {
		return seg
	}
	return ""
}
