#!/bin/bash
# profile.sh - where migrate's time goes, on the chains `make bench` uses:
#
#   bench/profile.sh MIGRATE FLOOR [REPORT]
#
#   1. round trips: every statement migrate sends to PostgreSQL
#      (log_statement=all on a throwaway cluster) for upgrade head,
#      upgrade head again (nothing to do), current and downgrade base of
#      1,000 units, grouped by kind, with what is beyond the units' own
#      statements, and the time from each kind of statement to the next
#      one (server time plus the client's turn-around);
#   2. what those extra statements cost by themselves: psql running the
#      units' statements, everything migrate sent, and the units' with
#      the version and history tables written once;
#   3. callgrind: upgrade head of 1,000 units on SQLite, heads of 10,000
#      units (the top functions, self and inclusive);
#   4. perf stat (software events: a VM has no cycle counters) where perf
#      works, and the system calls of heads (strace -c) where strace is.
#
# FLOOR is bench/floor.c compiled.  REPORT defaults to
# bench/results/<date>-<host>-profile.md; the raw callgrind files stay in
# the work folder (BENCH_KEEP=1 keeps it).
# `make bench BENCH_PROFILE=1` runs it after the benchmark.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: bench/profile.sh MIGRATE FLOOR [REPORT]" >&2
	exit 2
fi
MIGRATE=$(readlink -f "$1")
FLOOR=$(readlink -f "$2")
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${3:-$REPO/bench/results/$(date -u +%Y-%m-%d)-$(hostname -s)-profile.md}
N1=1000
N2=10000

# shellcheck source=bench/common.sh
. "$REPO/bench/common.sh"
need "$MIGRATE" "$FLOOR" "$PGBIN/initdb" "$PGBIN/pg_ctl" "$PSQL"

W=$(mktemp -d "${BENCH_TMPDIR:-/dev/shm}/mg-prof-XXXXXX")
chmod 755 "$W"
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	pg_stop
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "profile: work folder kept: $W" >&2
	else
		rm -rf "$W"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "profile: generating chains in $W" >&2
gen_chain "$W/c$N1" "$N1"
gen_chain "$W/c$N2" "$N2"
pg_start "-c log_statement=all -c log_line_prefix='%m [%p] '" \
	"-c shared_preload_libraries=pg_stat_statements" \
	"-c pg_stat_statements.max=20000 -c pg_stat_statements.track_planning=on"
LOG=$W/pg/server.log

R=$W/report.md
: >"$R"

# statements FROM-LINE: the statements logged after line FROM-LINE of
# the server log, one per line: "EPOCH-SECONDS TEXT" (text normalised:
# numbers in t_NNNN and rNNNN, and string literals, folded).
statements() {
	tail -n +"$(($1 + 1))" "$LOG" |
		awk '/LOG:  (statement|execute [^:]*): / {
			split($2, t, ":")
			s = t[1] * 3600 + t[2] * 60 + t[3]
			sub(/^.*LOG:  (statement|execute [^:]*): /, "")
			gsub(/t_[0-9]+/, "t_N"); gsub(/r[0-9][0-9][0-9][0-9]+/, "rN")
			gsub(/\x27[^\x27]*\x27/, "S")
			printf "%.3f %s\n", s, substr($0, 1, 90)
		}'
}

# server_time: the server's execution time per kind of statement since
# the last reset (pg_stat_statements), as table rows.
server_time() {
	"$PSQL" -X -qAt -F ' | ' -v ON_ERROR_STOP=1 "$(url postgres)" <<-'SQL' |
	SELECT sum(calls), '`' || k || '`',
	       round(sum(total_plan_time)::numeric, 1),
	       round(sum(total_exec_time)::numeric, 1),
	       round((sum(total_exec_time + total_plan_time) /
	              sum(calls))::numeric, 3)
	FROM (SELECT calls, total_exec_time, total_plan_time,
	             left(regexp_replace(regexp_replace(regexp_replace(
	                 query, '\s+', ' ', 'g'), 't_[0-9]+', 't_N', 'g'),
	                 '''[^'']*''', 'S', 'g'), 80) AS k
	      FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
	      WHERE d.datname = 'p1') x
	GROUP BY k ORDER BY 4 DESC
	SQL
		sed 's/^/| /; s/$/ |/'
}

# round_trips LABEL MIGRATE-ARGS...: run migrate in the 1,000-unit chain,
# report what it sent and what each kind cost the server.
round_trips() {
	local label=$1 from total own t
	shift
	"$PSQL" -X -qAt -c 'SELECT pg_stat_statements_reset()' \
		"$(url postgres)" >/dev/null
	sleep 0.2
	from=$(wc -l <"$LOG")
	t=$(date +%s%N)
	(cd "$W/c$N1" && "$MIGRATE" -q "$@" >/dev/null)
	t=$((($(date +%s%N) - t) / 1000000))
	sleep 0.2	# let the server flush its log
	tail -n +"$((from + 1))" "$LOG" >"$W/last.log"
	statements "$from" >"$W/st.txt"
	total=$(wc -l <"$W/st.txt")
	own=$(grep -c -E '^[0-9.]+ (CREATE TABLE t_N|CREATE INDEX t_N|DROP TABLE t_N)' \
		"$W/st.txt" || true)
	{
		echo "### \`migrate $label\`, $N1 units"
		echo
		echo "$total statements, $own of them the units' own;" \
			"$((total - own)) more, $(awk -v a=$((total - own)) \
			-v n=$N1 'BEGIN { printf "%.2f", a / n }') per unit." \
			"The run took $t ms (with log_statement=all)."
		echo
		echo "Server time (pg_stat_statements, planning tracked):"
		echo
		echo "| calls | kind | planning ms | execution ms |" \
			"mean ms per call |"
		echo "|---:|---|---:|---:|---:|"
		server_time
		echo
		echo "Statements received (log_statement=all), and the time" \
			"from each to the next statement:"
		echo
		echo "| statements | kind | ms to the next statement, total |"
		echo "|---:|---|---:|"
		awk '{
			k = $0; sub(/^[^ ]+ /, "", k)
			if (NR > 1) { gap[pk] += $1 - pt }
			cnt[k]++; pt = $1; pk = k
		} END {
			for (k in cnt) {
				g = k; gsub(/\|/, "\\|", g)
				printf "| %d | `%s` | %.1f |\n", cnt[k], g, gap[k] * 1000
			}
		}' "$W/st.txt" | sort -t'|' -k2 -rn
		echo
	} >>"$R"
}

echo "profile: round trips" >&2
{
	echo "## Round trips on PostgreSQL"
	echo
	echo "For each command: every statement the server received"
	echo "(log_statement=all), and what each kind cost the server to"
	echo "execute (pg_stat_statements, track_utility on).  The time from"
	echo "a statement to the next one is its execution, the round trip"
	echo "and the client's turn-around."
	echo
} >>"$R"
sql "CREATE EXTENSION pg_stat_statements"
sql "CREATE DATABASE p1"
round_trips "upgrade head" --url "$(url p1)" upgrade head
cp "$W/last.log" "$W/upgrade.log"
round_trips "upgrade head (again: nothing to do)" --url "$(url p1)" \
	upgrade head
round_trips "current" --url "$(url p1)" current
round_trips "downgrade base" --url "$(url p1)" downgrade base

# ------------------------------------------------------------------
# What the extra statements cost, apart from migrate's own work: psql
# runs (1) the units' statements, (2) every statement migrate sent during
# its upgrade (from the log), (3) the units' statements with the version
# table and the history written once at the end (one UPDATE-less INSERT,
# one multi-row INSERT): what batching would leave.  Logging off.

# sent_sql LOG-SLICE: the statements of a log slice as a psql script,
# without the session, lock and transaction ones (psql -1 wraps it).
sent_sql() {
	awk '
	function flush() {
		if (keep && body !~ /^(SET |SELECT |BEGIN|COMMIT)/)
			print body ";"
		keep = 0
	}
	/^[0-9-]+ [0-9:.]+ [A-Z]+ \[[0-9]+\] / {
		flush()
		if (match($0, /LOG:  (execute [^:]*|statement): /)) {
			body = substr($0, RSTART + RLENGTH)
			keep = 1
		}
		next
	}
	/^\t/ { if (keep) body = body "\n" substr($0, 2) }
	END { flush() }' "$1"
}

echo "profile: the extra statements' cost" >&2
sent_sql "$W/upgrade.log" >"$W/sent.sql"
{
	awk '/^CREATE TABLE "(migrate_history|alembic_version)"/, /^\);$/' \
		"$W/sent.sql"
	grep -E '^CREATE (TABLE|INDEX) t_' "$W/sent.sql"
	grep '^INSERT INTO "alembic_version"' "$W/sent.sql" |
		sed "s/VALUES ('[^']*')/VALUES ('r$N1')/"
	echo 'INSERT INTO "migrate_history" (revision, down_revisions,' \
		'direction, sha256, started_at, finished_at, duration_ms,' \
		'tool_version) VALUES'
	grep '^INSERT INTO "migrate_history"' "$W/sent.sql" |
		sed 's/^.*) VALUES //; s/;$/,/' | sed '$ s/,$/;/'
} >"$W/batched.sql"
sql "ALTER SYSTEM SET log_statement = none"
sql "SELECT pg_reload_conf()" >/dev/null
EMU_RUNS=${BENCH_RUNS:-9}
: >"$W/emu.txt"
for ((i = 0; i < EMU_RUNS; i++)); do
	for k in 0 1 2; do
		case $(((i + k) % 3)) in
		0) f=$W/c$N1/up.pg.sql; name=units ;;
		1) f=$W/sent.sql; name=sent ;;
		2) f=$W/batched.sql; name=batched ;;
		esac
		sql "CREATE DATABASE e$i$k"
		t0=$(date +%s%N)
		"$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -f "$f" "$(url "e$i$k")"
		echo "$name $i $((($(date +%s%N) - t0) / 1000))" >>"$W/emu.txt"
		sql "DROP DATABASE e$i$k"
	done
done
# emu_stats NAME: median (min-max) in ms, and the median of the run-by-run
# differences from the units' own.
emu_stats() {
	awk -v n="$1" '$1 == n { print $3 / 1000 }' "$W/emu.txt" | sort -g |
		awk '{ v[NR] = $1 } END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.1f (%.1f-%.1f)", m, v[1], v[NR] }'
}
emu_diff() {
	awk -v n="$1" '$1 == n { a[$2] = $3 } $1 == "units" { b[$2] = $3 }
		END { for (i in a) print (a[i] - b[i]) / 1000 }' "$W/emu.txt" |
		sort -g | awk '{ v[NR] = $1 } END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%+.1f", m }'
}
{
	echo "## What the extra statements cost on PostgreSQL"
	echo
	echo "psql -1 -f on a fresh database, $EMU_RUNS runs each, taking" \
		"turns; logging off.  ms: median (min-max); the last column is" \
		"the median of the run-by-run differences from the units' own" \
		"statements."
	echo
	echo "| script | statements | ms | vs the units' own |"
	echo "|---|---:|---|---:|"
	echo "| the units' own ($N1 units) | $(grep -c ';$' "$W/c$N1/up.pg.sql") |" \
		"$(emu_stats units) | |"
	echo "| everything migrate sent | $(grep -c ';$' "$W/sent.sql") |" \
		"$(emu_stats sent) | $(emu_diff sent) |"
	echo "| units + version and history written once | " \
		"$(grep -c ';$' "$W/batched.sql") | $(emu_stats batched) |" \
		"$(emu_diff batched) |"
	echo
} >>"$R"

# callgrind_top LABEL FILE: self and inclusive top lists.
callgrind_top() {
	{
		echo "### $1"
		echo
		echo "Total: $(callgrind_annotate "$2" 2>/dev/null |
			awk '/PROGRAM TOTALS/ { print $1 }') instructions."
		echo
		echo "Self, top 25:"
		echo '```'
		callgrind_annotate "$2" 2>/dev/null |
			sed -n '/file:function/,$p' | sed -n '3,27p' |
			sed 's|\./[^ ]*/||; s|/usr/lib/x86_64-linux-gnu/||' |
			cut -c1-110
		echo '```'
		echo
		echo "Inclusive, our functions and the libraries they call" \
			"(top 40):"
		echo '```'
		callgrind_annotate --inclusive=yes "$2" 2>/dev/null |
			sed -n '/file:function/,$p' | sed -n '3,$p' |
			grep -v -E '\?\?\?:0x|below main|libc-start|ld-linux' |
			grep -E '/work|lib/|cmd/|yaml|EVP|sqlite3_|PQ|malloc|free|qsort|fread|sscanf' |
			grep -v -E '^ *[0-9,]+ \([ 0-9.]+%\)  (lib|cmd)/' |
			sed 's|\./[^ ]*/||; s|/usr/lib/x86_64-linux-gnu/||; s| \[[^]]*migrate\]||' |
			sed -n 1,40p | cut -c1-110
		echo '```'
		echo
	} >>"$R"
}

if command -v valgrind >/dev/null; then
	echo "profile: callgrind" >&2
	echo "## callgrind" >>"$R"
	echo >>"$R"
	(cd "$W/c$N1" && valgrind -q --tool=callgrind \
		--callgrind-out-file="$W/cg.sqlite-up.out" "$MIGRATE" -q \
		--url "sqlite:///$W/cg.db" upgrade head)
	callgrind_top "upgrade head, $N1 units, SQLite" "$W/cg.sqlite-up.out"
	valgrind -q --tool=callgrind --callgrind-out-file="$W/cg.sqlite3.out" \
		sqlite3 -bail "$W/cg2.db" <"$W/c$N1/up.sqlite.sql"
	echo "For comparison, the sqlite3 CLI on the same statements:" \
		"$(callgrind_annotate "$W/cg.sqlite3.out" 2>/dev/null |
			awk '/PROGRAM TOTALS/ { print $1 }') instructions." >>"$R"
	echo >>"$R"
	(cd "$W/c$N2" && valgrind -q --tool=callgrind \
		--callgrind-out-file="$W/cg.heads.out" "$MIGRATE" heads \
		>/dev/null)
	callgrind_top "heads, $N2 units" "$W/cg.heads.out"
fi

{
	echo "## perf stat and system calls"
	echo
} >>"$R"
if perf stat -e task-clock true >/dev/null 2>&1; then
	echo "profile: perf stat" >&2
	{
		echo "perf stat -r 10, heads of $N2 units:"
		echo '```'
		(cd "$W/c$N2" && perf stat -r 10 -e \
			task-clock,page-faults,context-switches \
			"$MIGRATE" heads 2>&1 >/dev/null |
			grep -E 'clock|faults|switches|elapsed')
		echo '```'
		echo
		echo "perf stat -r 10, bench/floor.c: only opening, reading" \
			"and closing the same $N2 files (the floor):"
		echo '```'
		perf stat -r 10 -e task-clock,page-faults "$FLOOR" \
			"$W/c$N2/versions" 2>&1 >/dev/null |
			grep -E 'clock|faults|elapsed' 
		echo '```'
		echo
		echo "perf stat -r 10, \`migrate --version\` (start-up alone):"
		echo '```'
		perf stat -r 10 -e task-clock,page-faults "$MIGRATE" --version \
			2>&1 >/dev/null | grep -E 'clock|faults|elapsed'
		echo '```'
		echo
	} >>"$R"
else
	echo "perf does not work here." >>"$R"
	echo >>"$R"
fi
if command -v strace >/dev/null; then
	{
		echo "strace -c, heads of $N2 units:"
		echo '```'
		(cd "$W/c$N2" && strace -c -o "$W/strace.txt" "$MIGRATE" heads \
			>/dev/null)
		head -9 "$W/strace.txt"
		echo '```'
	} >>"$R"
fi

{
	echo "# migrate profile, $(date -u +%Y-%m-%d), $(hostname -s)"
	echo
	echo "$("$MIGRATE" --version); $(nproc) CPUs," \
		"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)."
	echo
	cat "$R"
} >"$OUT"
echo "profile: report written to $OUT" >&2
