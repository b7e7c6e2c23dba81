package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// SaveModel stores a trained model.
func (s *Store) SaveModel(ctx context.Context, m lead.StoredModel) error {
	if m.ID == "" || len(m.Model) == 0 {
		return lead.Errorf(lead.KindInvalid, "store: a model needs an id and its JSON")
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	stats := string(m.Stats)
	if stats == "" {
		stats = "{}"
	}
	_, err := s.w.ExecContext(ctx, insertModel, m.ID, m.CreatedAt.UnixMicro(), m.Leads, string(m.Model), stats)
	return s.fail("saving model", err)
}

// LatestModel returns the most recently trained model.
func (s *Store) LatestModel(ctx context.Context) (lead.StoredModel, error) {
	var m lead.StoredModel
	var at, n int64
	var model, stats string
	err := s.r.QueryRowContext(ctx, selectModel).Scan(&m.ID, &at, &n, &model, &stats)
	if errors.Is(err, sql.ErrNoRows) {
		return lead.StoredModel{}, lead.Errorf(lead.KindNotFound, "store: no trained model")
	}
	if err != nil {
		return lead.StoredModel{}, s.fail("reading model", err)
	}
	m.CreatedAt, m.Leads, m.Model, m.Stats = fromMicros(at), int(n), json.RawMessage(model), json.RawMessage(stats)
	return m, nil
}

// UnresolvedLeads returns how many leads wait for the resolver (read from
// the index of unresolved leads, so it costs little when few wait).
func (s *Store) UnresolvedLeads(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, countUnresolved).Scan(&n); err != nil {
		return 0, s.fail("counting unresolved leads", err)
	}
	return n, nil
}

// CountLeads returns how many leads there are and how many are resolved.
func (s *Store) CountLeads(ctx context.Context) (int64, int64, error) {
	var total, resolved int64
	if err := s.r.QueryRowContext(ctx, countLeads).Scan(&total, &resolved); err != nil {
		return 0, 0, s.fail("counting leads", err)
	}
	return total, resolved, nil
}
