package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is the CPU used and the load average over an idle window.
type usage struct {
	wall, cpu time.Duration
	// db is the CPU of the PostgreSQL server's processes serving the
	// run's database (dbOK false: not measured: SQLite, or a server on
	// another machine).
	db   time.Duration
	dbOK bool
	load [2]string // /proc/loadavg's 1-minute figure at the start and the end
}

func (u usage) cores() float64   { return u.cpu.Seconds() / u.wall.Seconds() }
func (u usage) dbCores() float64 { return u.db.Seconds() / u.wall.Seconds() }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times (100 on
// Linux everywhere that matters).
const clockTicks = 100

// backendCPU returns the CPU time of each PostgreSQL backend connected to
// the run's database, read from /proc: nil when the engine is not
// PostgreSQL or the backends are not processes of this machine.
func (r *procRun) backendCPU(ctx context.Context) map[int]time.Duration {
	if r.st.Engine() != "postgres" {
		return nil
	}
	rows, err := r.st.WriteDB().QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			return nil
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return nil // not on this machine, or not ours to read
		}
		// The fields after the command name (which may hold spaces):
		// utime and stime are the 12th and 13th.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 13 || !strings.Contains(s, "postgres") {
			return nil
		}
		ut, err1 := strconv.ParseInt(f[11], 10, 64)
		st, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 != nil || err2 != nil {
			return nil
		}
		out[pid] = time.Duration(ut+st) * time.Second / clockTicks
	}
	if rows.Err() != nil {
		return nil
	}
	return out
}

// idle measures the CPU the server uses doing nothing asked of it.
func (r *procRun) idle(ctx context.Context) (usage, error) {
	select {
	case <-ctx.Done():
		return usage{}, ctx.Err()
	case <-time.After(r.c.warmup):
	}
	u := usage{load: [2]string{loadavg()}}
	db0 := r.backendCPU(ctx)
	start, cpu0 := time.Now(), cpuTime()
	select {
	case <-ctx.Done():
		return u, ctx.Err()
	case <-time.After(r.c.idle):
	}
	u.cpu, u.wall = cpuTime()-cpu0, time.Since(start)
	if db1 := r.backendCPU(ctx); db0 != nil && db1 != nil {
		u.dbOK = true
		for pid, t := range db1 {
			u.db += t - db0[pid] // a backend started during the window: all of it
		}
	}
	u.load[1] = loadavg()
	return u, nil
}

func (r *procRun) idleTable(empty, full usage) {
	ratio := "—"
	if empty.cpu > 0 {
		ratio = fmt.Sprintf("%.2f", full.cores()/empty.cores())
	}
	fmt.Fprintf(&r.b, "Idle CPU of the server (user + system time of the leadhub process, `getrusage`), each measured over %s of "+
		"nothing asked of it, starting %s after it settled (the resolver, the process engine, River and its scheduler, the account step, the "+
		"source monitor all running as in serve):\n\n", r.c.idle, r.c.warmup)
	db := empty.dbOK && full.dbOK
	if db {
		fmt.Fprintln(&r.b, "| store | CPU time | cores used | PostgreSQL backends of the run's database, cores | load average (1 min) at start → end |")
		fmt.Fprintln(&r.b, "|---|---:|---:|---:|---|")
	} else {
		fmt.Fprintln(&r.b, "| store | CPU time | cores used | load average (1 min) at start → end |")
		fmt.Fprintln(&r.b, "|---|---:|---:|---|")
	}
	for _, x := range []struct {
		what string
		u    usage
	}{{"empty", empty}, {fmt.Sprintf("%d live clocks", 2*r.c.customers), full}} {
		dbCol := ""
		if db {
			dbCol = fmt.Sprintf(" %.4f |", x.u.dbCores())
		}
		fmt.Fprintf(&r.b, "| %s | %s | %.4f |%s %s → %s |\n", x.what, x.u.cpu.Round(time.Millisecond), x.u.cores(), dbCol, x.u.load[0], x.u.load[1])
	}
	fmt.Fprintf(&r.b, "\nRatio, live clocks to empty: **%s**.", ratio)
	switch {
	case db && empty.db > 0:
		fmt.Fprintf(&r.b, " With the database's backends: **%.2f**. (PostgreSQL's own background processes, such as autovacuum "+
			"and the checkpointer, serve every database and are not counted.)", (full.cores()+full.dbCores())/(empty.cores()+empty.dbCores()))
	case r.st.Engine() == "postgres":
		fmt.Fprint(&r.b, " (The PostgreSQL server's own CPU is not included: its processes are not on this machine, or not readable.)")
	}
	fmt.Fprint(&r.b, "\n\n")
}
