package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// resolverLock is held by the one process that resolves leads. On
// PostgreSQL it is a session advisory lock on a connection of its own, so
// that of several replicas one resolves and the others stand by; it is
// released when the connection ends, however the process ends. On SQLite
// there is one process per database file, and the lock is nominal (no
// connection).
type resolverLock struct {
	conn   *sql.Conn
	unlock string
}

// TryResolverLock takes the resolver lock if no other process holds it;
// it returns nil, nil when one does.
func (s *Store) TryResolverLock(ctx context.Context) (lead.Lock, error) {
	if s.d.resolverLock == "" {
		return &resolverLock{}, nil
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, s.fail("taking the resolver lock", err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, s.d.resolverLock).Scan(&ok); err != nil {
		conn.Close()
		return nil, s.fail("taking the resolver lock", err)
	}
	if !ok {
		conn.Close()
		return nil, nil
	}
	return &resolverLock{conn: conn, unlock: s.d.resolverUnlock}, nil
}

// Alive reports an error when the lock was lost (its connection broke).
func (l *resolverLock) Alive(ctx context.Context) error {
	if l == nil || l.conn == nil {
		return nil
	}
	return l.conn.PingContext(ctx)
}

// Release gives the lock up.
func (l *resolverLock) Release() {
	if l == nil || l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = l.conn.ExecContext(ctx, l.unlock)
	l.conn.Close()
	l.conn = nil
}
