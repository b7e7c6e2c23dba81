package azuretable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
)

// pageRequest asks for one page of a query.
type pageRequest struct {
	Filter string // OData filter; "" for all entities
	Top    int32
	Next   continuation // zero for the first page
}

// continuation is the service's paging token (x-ms-continuation-NextPartitionKey
// and -NextRowKey). Both empty means no more pages.
type continuation struct {
	PartitionKey string `json:"next_partition_key,omitempty"`
	RowKey       string `json:"next_row_key,omitempty"`
}

func (c continuation) more() bool { return c.PartitionKey != "" || c.RowKey != "" }

// page is one page of entities, each exactly as the service sent it.
type page struct {
	Entities []json.RawMessage
	Next     continuation
	// Date is the service's clock when it answered (the Date header), zero
	// when it sent none.
	Date time.Time
}

// tableReader is the one call the poller makes; it is read-only by design.
// The implementation is the Azure SDK; tests run it against Azurite.
type tableReader interface {
	listPage(ctx context.Context, req pageRequest) (page, error)
}

// sdkTable reads a table through github.com/Azure/azure-sdk-for-go/sdk/data/aztables.
type sdkTable struct {
	client *aztables.Client
}

// clientOptions returns SDK options. retries false turns the SDK's own
// retries off: the poller retries itself, with its own limits and metrics.
func clientOptions(retries bool, transport policy.Transporter) *aztables.ClientOptions {
	opt := &aztables.ClientOptions{}
	if !retries {
		opt.Retry.MaxRetries = -1
	}
	opt.Telemetry.Disabled = true
	if transport != nil {
		opt.Transport = transport
	}
	return opt
}

func newServiceClient(a Account, opt *aztables.ClientOptions) (*aztables.ServiceClient, error) {
	if a.Endpoint == "" {
		return nil, errors.New("azure table: account has no endpoint (use ParseConnectionString)")
	}
	if a.sas != "" {
		return aztables.NewServiceClientWithNoCredential(a.Endpoint+"/?"+a.sas, opt)
	}
	cred, err := aztables.NewSharedKeyCredential(a.Name, a.key)
	if err != nil {
		return nil, fmt.Errorf("azure table %s: the account key cannot be used", a.Name)
	}
	return aztables.NewServiceClientWithSharedKey(a.Endpoint, cred, opt)
}

func newSDKTable(a Account, table string, transport policy.Transporter) (*sdkTable, error) {
	svc, err := newServiceClient(a, clientOptions(false, transport))
	if err != nil {
		return nil, err
	}
	return &sdkTable{client: svc.NewClient(table)}, nil
}

func (t *sdkTable) listPage(ctx context.Context, req pageRequest) (page, error) {
	opt := &aztables.ListEntitiesOptions{Top: &req.Top}
	if req.Filter != "" {
		opt.Filter = &req.Filter
	}
	if req.Next.more() {
		opt.NextPartitionKey = &req.Next.PartitionKey
		opt.NextRowKey = &req.Next.RowKey
	}
	var resp *http.Response
	res, err := t.client.NewListEntitiesPager(opt).NextPage(runtime.WithCaptureResponse(ctx, &resp))
	if err != nil {
		return page{}, err
	}
	p := page{Next: continuation{PartitionKey: deref(res.NextPartitionKey), RowKey: deref(res.NextRowKey)}}
	if resp != nil {
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			p.Date = d
		}
		// The SDK decodes each entity into a map and encodes it again, which
		// reorders keys and reformats numbers; keep the bytes as sent.
		if raw, err := runtime.Payload(resp); err == nil {
			var body struct {
				Value []json.RawMessage `json:"value"`
			}
			if err := json.Unmarshal(raw, &body); err == nil && len(body.Value) == len(res.Entities) {
				p.Entities = body.Value
				return p, nil
			}
		}
	}
	p.Entities = make([]json.RawMessage, len(res.Entities))
	for i, e := range res.Entities {
		p.Entities[i] = e
	}
	return p, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// codeServerBusy is the storage services' throttling error code (HTTP 503).
const codeServerBusy = "ServerBusy"

// Retry reasons, the values of the reason label of the retries metric.
const (
	ReasonThrottled   = "throttled"    // 429, 503 ServerBusy
	ReasonServerError = "server_error" // 500, 502, 504
	ReasonTimeout     = "timeout"      // no answer in time, 408
	ReasonNetwork     = "network"      // connection refused, reset, DNS…
)

// classify says whether err from one request is worth retrying, and why.
func classify(err error) (reason string, retry bool) {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			return ReasonThrottled, true
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			return ReasonServerError, true
		case http.StatusRequestTimeout:
			return ReasonTimeout, true
		}
		if re.ErrorCode == codeServerBusy || re.ErrorCode == "OperationTimedOut" {
			return ReasonThrottled, true
		}
		return "", false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ReasonTimeout, true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ReasonTimeout, true
	}
	var ue *url.Error
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &ue) || errors.As(err, &oe) || errors.As(err, &de) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		return ReasonNetwork, true
	}
	return "", false
}

// retryAfter returns the delay a throttled answer asked for, if any.
func retryAfter(err error) time.Duration {
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.RawResponse == nil {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(re.RawResponse.Header.Get("Retry-After"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// Error is a failed read of a table, in words an operator can act on. Its
// text never contains the account key or a signature.
type Error struct {
	Account string
	Table   string
	// Status is the HTTP status (0 when no answer came) and Code the
	// service's error code (e.g. TableNotFound, AuthenticationFailed).
	Status int
	Code   string
	// Reason is the retry reason of a transient failure ("" otherwise).
	Reason string
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("azure table %s/%s: %s", e.Account, e.Table, e.Msg)
}

// Transient reports whether the failure may go away by itself (throttling,
// timeouts, network), as opposed to a configuration problem.
func (e *Error) Transient() bool { return e.Reason != "" }

// describe turns an SDK error into an *Error. It never quotes the SDK's own
// text, which holds the request URL (and so a signature) and the response.
func describe(a Account, table string, err error, attempts int) *Error {
	e := &Error{Account: a.Name, Table: table}
	tries := ""
	if attempts > 1 {
		tries = fmt.Sprintf(" (%d attempts)", attempts)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		e.Status, e.Code = re.StatusCode, re.ErrorCode
		code := strconv.Itoa(re.StatusCode)
		if re.ErrorCode != "" {
			code += " " + re.ErrorCode
		}
		switch {
		case re.StatusCode == http.StatusNotFound && (re.ErrorCode == "TableNotFound" || re.ErrorCode == "ResourceNotFound" || re.ErrorCode == ""):
			if re.ErrorCode == "TableNotFound" {
				e.Msg = "table not found (check --azure-table-name)"
			} else {
				e.Msg = "not found (HTTP " + code + "): check the account name, the table endpoint and --azure-table-name"
			}
		case re.StatusCode == http.StatusForbidden:
			switch re.ErrorCode {
			case "AuthorizationPermissionMismatch", "AuthorizationResourceTypeMismatch", "AuthorizationServiceMismatch":
				e.Msg = "access denied (HTTP " + code + "): the shared access signature does not allow reading this table (it needs the table service, object resource type and read/list permissions)"
			default:
				if a.sas != "" {
					e.Msg = "authentication failed (HTTP " + code + "): check the SharedAccessSignature in the connection string (signature, expiry, allowed IP addresses)"
				} else {
					e.Msg = "authentication failed (HTTP " + code + "): check the AccountKey in the connection string"
				}
			}
		case re.StatusCode == http.StatusTooManyRequests || re.StatusCode == http.StatusServiceUnavailable || re.ErrorCode == codeServerBusy:
			e.Reason = ReasonThrottled
			e.Msg = "the service is busy (HTTP " + code + ")" + tries
		case re.StatusCode >= 500:
			e.Reason = ReasonServerError
			e.Msg = "server error (HTTP " + code + ")" + tries
		case re.StatusCode == http.StatusRequestTimeout:
			e.Reason = ReasonTimeout
			e.Msg = "the service timed out (HTTP " + code + ")" + tries
		default:
			e.Msg = "request refused (HTTP " + code + ")"
		}
		e.Msg = a.redact(e.Msg)
		return e
	}
	host := a.Endpoint
	if u, perr := url.Parse(a.Endpoint); perr == nil {
		host = u.Host
	}
	reason, _ := classify(err)
	e.Reason = reason
	switch reason {
	case ReasonTimeout:
		e.Msg = "no answer from " + host + " in time" + tries
	case ReasonNetwork:
		e.Msg = "cannot reach " + host + ": " + networkCause(err) + tries
	default:
		e.Msg = "unexpected answer from " + host + ": " + networkCause(err)
	}
	e.Msg = a.redact(e.Msg)
	return e
}

// networkCause is err's text without the request URL that url.Error adds.
func networkCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Error()
	}
	return stripURLs(err.Error())
}

var urlPattern = regexp.MustCompile(`(?i)\b(https?)://([^/\s"'?]+)[^\s"']*`)

// stripURLs shortens every URL in s to its scheme and host: paths and
// queries may hold signatures.
func stripURLs(s string) string { return urlPattern.ReplaceAllString(s, "$1://$2") }

// InsertEntities writes entities to table, creating the table when it does
// not exist. Each entity needs PartitionKey and RowKey; every value is
// written as a string property (maps and slices as their JSON text, as
// Microsoft writes CustomerInfo). It is for tests and the simulator; the
// poller never writes.
func InsertEntities(ctx context.Context, account Account, table string, entities []map[string]any) error {
	if err := validTableName(table); err != nil {
		return err
	}
	svc, err := newServiceClient(account, clientOptions(true, nil))
	if err != nil {
		return err
	}
	if _, err := svc.CreateTable(ctx, table, nil); err != nil {
		var re *azcore.ResponseError
		if !errors.As(err, &re) || re.ErrorCode != string(aztables.TableAlreadyExists) {
			return fmt.Errorf("create table: %w", describe(account, table, err, 1))
		}
	}
	tc := svc.NewClient(table)
	bodies := make([][]byte, len(entities))
	for i, ent := range entities {
		props := make(map[string]string, len(ent))
		for k, v := range ent {
			s, err := asString(v)
			if err != nil {
				return fmt.Errorf("azure table %s/%s: entity %d, %s: %v", account.Name, table, i, k, err)
			}
			props[k] = s
		}
		_, hasPK := ent["PartitionKey"]
		_, hasRK := ent["RowKey"]
		if !hasPK || !hasRK {
			return fmt.Errorf("azure table %s/%s: entity %d needs a PartitionKey and a RowKey", account.Name, table, i)
		}
		if bodies[i], err = json.Marshal(props); err != nil {
			return err
		}
	}

	const workers = 16
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range min(workers, len(bodies)) {
		wg.Go(func() {
			for i := range next {
				if _, err := tc.AddEntity(ctx, bodies[i], nil); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("add entity %d: %w", i, describe(account, table, err, 1))
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range bodies {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

func asString(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	case json.RawMessage:
		return string(v), nil
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano), nil
	case fmt.Stringer:
		return v.String(), nil
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return fmt.Sprint(v), nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}
