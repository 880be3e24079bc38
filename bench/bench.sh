#!/bin/bash
# bench.sh - issue 9's benchmark: migrate against psql, the sqlite3 CLI and
# Alembic on generated chains, each figure a ratio against a baseline
# measured in the same run.  `make bench` builds the binaries and calls
#
#   bench/bench.sh MIGRATE RSS
#
# MIGRATE is an -O2 migrate binary, RSS bench/rss.c compiled.  It starts a
# throwaway PostgreSQL cluster (stopped by a trap, whatever happens),
# generates the chains, measures, prints the table and writes it, with the
# machine, the versions and every raw figure, to bench/results/.
#
# Environment:
#   BENCH_RUNS          measured runs per figure (default 9, at least 5)
#   BENCH_ONLY          space-separated subset of: pgup pgdown sqlite
#                       current heads alembic (default: all)
#   BENCH_KEEP=1        keep the work folder (chains, logs, raw data)
#   BENCH_RESULTS       where the report goes (default bench/results)
#   BENCH_TMPDIR        where the work folder goes (default /dev/shm, a
#                       tmpfs, else /tmp)
#
# Every run of a figure alternates which side goes first, so a slow
# minute of the shared machine hurts both sides alike.  The timed part of
# a run starts and ends with processes (bench/rss.c reaps each with
# wait4): nothing of this script's own is inside it.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: bench/bench.sh MIGRATE RSS" >&2
	exit 2
fi
MIGRATE=$(readlink -f "$1")
RSS=$(readlink -f "$2")
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${BENCH_RUNS:-9}
ONLY=${BENCH_ONLY:-pgup pgdown sqlite current heads alembic}
RESULTS=${BENCH_RESULTS:-$REPO/bench/results}
N1=1000
N2=10000

if [ "$RUNS" -lt 5 ]; then
	echo "bench: BENCH_RUNS must be at least 5" >&2
	exit 2
fi
# shellcheck source=bench/common.sh
. "$REPO/bench/common.sh"
need "$MIGRATE" "$RSS" "$PGBIN/initdb" "$PGBIN/pg_ctl" "$PSQL"
if ! command -v sqlite3 >/dev/null; then
	echo "bench: 'sqlite3' is missing (apt-get install sqlite3)" >&2
	exit 3
fi
HAVE_ALEMBIC=1
if ! "$PY" -c 'import alembic, psycopg2' 2>/dev/null; then
	HAVE_ALEMBIC=0
	echo "bench: python3-alembic or python3-psycopg2 missing:" \
		"no Alembic figure" >&2
fi

want() { case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# tmpfs by default: the cluster and the SQLite files out of the disk's
# noise (and the servers' I/O cheaper, which makes the ratios stricter).
if [ -z "${BENCH_TMPDIR:-}" ]; then
	BENCH_TMPDIR=/tmp
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		BENCH_TMPDIR=/dev/shm
	fi
fi
W=$(mktemp -d "$BENCH_TMPDIR/mg-bench-XXXXXX")
chmod 755 "$W"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	pg_stop
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: work folder kept: $W" >&2
	else
		rm -rf "$W"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$W/raw" "$W/log"
# The header cache (docs/internals.md) starts empty, in the work folder.
# Runs (upgrade, downgrade) are measured without it (MIGRATE_NO_CACHE=1),
# as on a fresh machine such as a Heroku release dyno; current and heads
# with it, filled by the warm-up run, as on a developer's or operator's
# machine; heads also without it ("cold").
export MIGRATE_CACHE_DIR=$W/cache

echo "bench: generating chains of $N1 and $N2 units in $W" >&2
gen_chain "$W/c$N1" "$N1"
gen_chain "$W/c$N2" "$N2"
if [ "$HAVE_ALEMBIC" = 1 ] && want alembic; then
	gen_alembic "$W/al$N1" "$N1"
fi

# shellcheck disable=SC2119 # no extra server options
pg_start

NDB=0
newdb() { NDB=$((NDB + 1)); echo "b$NDB"; }
drop() { sql "DROP DATABASE IF EXISTS $1" >/dev/null; }

# run NAME SIDE RSS-ARGS...: one measured run, its line appended to
# raw/NAME.SIDE, the children's output to log/NAME.SIDE.log.
run() {
	local name=$1 side=$2 line
	shift 2
	if ! line=$("$RSS" -o "$W/log/$name.$side.log" "$@"); then
		echo "bench: $name ($side) failed; its output:" >&2
		tail -20 "$W/log/$name.$side.log" >&2
		exit 1
	fi
	echo "$line" >>"$W/raw/$name.$side"
}

# measure NAME N FN SIDE...: FN SIDE is called for each SIDE (the first
# is migrate, the second the baseline), N runs each after one untimed
# warm-up each; each run takes the sides in turn, starting one further
# on every time, so no side always goes first.
measure() {
	local name=$1 n=$2 fn=$3 i k side
	shift 3
	local sides=("$@") m=$#
	echo "bench: $name ($n runs)" >&2
	for side in "${sides[@]}"; do
		"$fn" "$side"
		: >"$W/raw/$name.$side"
	done
	for ((i = 0; i < n; i++)); do
		for ((k = 0; k < m; k++)); do
			"$fn" "${sides[(i + k) % m]}"
		done
	done
}

CREATEDB_ARGS=("$PSQL" -X -q -v ON_ERROR_STOP=1 "$(url postgres)" -c)

# upgrade head of 1,000 units on a fresh database, create-database step
# included, against psql -X -q -1 -f of the same statements; Alembic's
# upgrade of the same chain as a third side, for information.
b_pgup() {
	local db
	db=$(newdb)
	case $1 in
	subject)
		(cd "$W/c$N1" && MIGRATE_NO_CACHE=1 run pgup subject \
			"${CREATEDB_ARGS[@]}" "CREATE DATABASE $db" --- \
			"$MIGRATE" --url "$(url "$db")" upgrade head)
		;;
	baseline)
		run pgup baseline "${CREATEDB_ARGS[@]}" "CREATE DATABASE $db" \
			--- "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 \
			-f "$W/c$N1/up.pg.sql" "$(url "$db")"
		;;
	alembic)
		run pgup alembic "${CREATEDB_ARGS[@]}" "CREATE DATABASE $db" \
			--- "$PY" -m alembic -c "$W/al$N1/alembic.ini" \
			-x "url=postgresql+psycopg2:///$db?host=$PGD&user=postgres" \
			upgrade head
		;;
	esac
	drop "$db"
}

# downgrade base of the same, from a copy of a database at head, against
# psql running the downgrades.
b_pgdown() {
	local db
	db=$(newdb)
	if [ "$1" = subject ]; then
		sql "CREATE DATABASE $db TEMPLATE head_m"
		(cd "$W/c$N1" && MIGRATE_NO_CACHE=1 run pgdown subject \
			"$MIGRATE" --url "$(url "$db")" downgrade base)
	else
		sql "CREATE DATABASE $db TEMPLATE head_p"
		run pgdown baseline "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 \
			-f "$W/c$N1/down.pg.sql" "$(url "$db")"
	fi
	drop "$db"
}

# upgrade head of 1,000 units on a fresh SQLite file, against the
# sqlite3 CLI running the statements in one transaction.
b_sqlite() {
	local f=$W/lite.db
	rm -f "$f" "$f-journal"
	if [ "$1" = subject ]; then
		(cd "$W/c$N1" && MIGRATE_NO_CACHE=1 run sqlite subject \
			"$MIGRATE" --url "sqlite:///$f" upgrade head)
	else
		run sqlite baseline -i "$W/c$N1/up.sqlite.sql" \
			sqlite3 -bail "$f"
	fi
	rm -f "$f" "$f-journal"
}

# current on an up-to-date database, against psql -X -qAt -c 'SELECT 1'.
b_current() {
	local n=$CUR_N
	if [ "$1" = subject ]; then
		(cd "$W/c$n" && run "current$n" subject \
			"$MIGRATE" --url "$(url "cur$n")" current)
	else
		run "current$n" baseline "$PSQL" -X -qAt -c 'SELECT 1' \
			"$(url "cur$n")"
	fi
}

# heads of 10,000 units: an absolute time, no baseline; the baseline
# side is /bin/true, to show what starting a process costs here.
b_heads() {
	if [ "$1" = subject ]; then
		(cd "$W/c$N2" && run heads subject "$MIGRATE" heads)
	else
		run heads baseline true
	fi
}

# the same without the header cache: every file opened and parsed
b_headscold() {
	if [ "$1" = subject ]; then
		(cd "$W/c$N2" && MIGRATE_NO_CACHE=1 run headscold subject \
			"$MIGRATE" heads)
	else
		run headscold baseline true
	fi
}

T0=$(date +%s)
if want pgup; then
	if [ "$HAVE_ALEMBIC" = 1 ] && want alembic; then
		measure pgup "$RUNS" b_pgup subject baseline alembic
	else
		measure pgup "$RUNS" b_pgup subject baseline
	fi
fi
if want pgdown || want current; then
	echo "bench: preparing databases at head" >&2
	sql "CREATE DATABASE head_m"
	sql "CREATE DATABASE head_p"
	(cd "$W/c$N1" && "$MIGRATE" -q --url "$(url head_m)" upgrade head)
	"$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -f "$W/c$N1/up.pg.sql" \
		"$(url head_p)"
fi
want pgdown && measure pgdown "$RUNS" b_pgdown subject baseline
want sqlite && measure sqlite "$RUNS" b_sqlite subject baseline
UP10K=
PSQL10K=
if want current; then
	sql "CREATE DATABASE cur$N1 TEMPLATE head_m"
	sql "CREATE DATABASE cur$N2"
	sql "CREATE DATABASE psql$N2"
	echo "bench: upgrading a database to head of $N2 units (once)," \
		"and psql on the same statements (once)" >&2
	UP10K=$(cd "$W/c$N2" && "$RSS" -o "$W/log/up$N2.log" \
		"$MIGRATE" --url "$(url "cur$N2")" upgrade head) || {
		tail -20 "$W/log/up$N2.log" >&2
		exit 1
	}
	PSQL10K=$("$RSS" -o "$W/log/psql$N2.log" "$PSQL" -X -q -1 \
		-v ON_ERROR_STOP=1 -f "$W/c$N2/up.pg.sql" "$(url "psql$N2")")
	drop "psql$N2"
	CUR_N=$N1 measure "current$N1" "$RUNS" b_current subject baseline
	CUR_N=$N2 measure "current$N2" "$RUNS" b_current subject baseline
fi
want heads && measure heads "$RUNS" b_heads subject baseline
want heads && measure headscold "$RUNS" b_headscold subject baseline
T1=$(date +%s)

# ------------------------------------------------------------------
# Figures.  A raw line is: total wall, then wall, CPU and peak RSS of
# each command; migrate's command is the last one.

# col FILE FIELD: one column (a number, or NF, NF-1 for the last
# command's RSS and CPU).
col() {
	awk -v f="$2" '{
		if (f == "NF") print $NF
		else if (f == "NF-1") print $(NF - 1)
		else print $f
	}' "$1"
}
# stats: "median min max" of the numbers on standard input.
stats() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan nan nan"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR]
		}'
}
# paired A B: the ratios A/B of the total walls, run by run.
paired() {
	paste -d' ' <(col "$1" 1) <(col "$2" 1) | awk '{ print $1 / $2 }'
}
ms() { awk -v x="$1" 'BEGIN { printf "%.1f", x * 1000 }'; }
mib() { awk -v x="$1" 'BEGIN { printf "%.1f", x / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

TABLE=$W/table.md
{
	echo "| figure | migrate ms: median (min-max) |" \
		"baseline ms: median (min-max) | ratio of medians |" \
		"run-by-run ratios: median (min-max) | target | |" \
		"CPU ms, medians: migrate / baseline |" \
		"migrate peak RSS MiB: median (max) |"
	echo "|---|---|---|---|---|---|---|---|---|"
} >"$TABLE"
VERDICTS=

# row NAME LABEL BASELINE-LABEL TARGET RSS-TARGET-MIB [SUBJECT-SIDE]
# TARGET: a ratio, ms:N for an absolute time, or info.
row() {
	local name=$1 label=$2 blabel=$3 target=$4 rtarget=$5
	local side=${6:-subject}
	local f=$W/raw/$name.$side b=$W/raw/$name.baseline
	local s bs r pr rs cpu bcpu ok okr cell prc
	[ -s "$f" ] || return 0
	read -r -a s <<<"$(col "$f" 1 | stats)"
	read -r -a bs <<<"$(col "$b" 1 | stats)"
	read -r -a pr <<<"$(paired "$f" "$b" | stats)"
	read -r -a rs <<<"$(col "$f" NF | stats)"
	read -r -a cpu <<<"$(col "$f" NF-1 | stats)"
	read -r -a bcpu <<<"$(col "$b" NF-1 | stats)"
	prc="$(ratio "${pr[0]}" 1)x ($(ratio "${pr[1]}" 1)-$(ratio "${pr[2]}" 1))"
	r="$(ratio "${s[0]}" "${bs[0]}")x"
	case $target in
	ms:*)
		if le "$(ms "${s[0]}")" "${target#ms:}"; then ok=met; else ok=MISSED; fi
		r="$(ms "${s[0]}") ms"
		prc=-
		target="< ${target#ms:} ms"
		;;
	info)
		ok=info
		target="(info)"
		;;
	*)
		if le "$(ratio "${s[0]}" "${bs[0]}")" "$target"; then
			ok=met
		else
			ok=MISSED
		fi
		target="<= ${target}x"
		;;
	esac
	cell="$(mib "${rs[0]}") ($(mib "${rs[2]}"))"
	if [ -n "$rtarget" ]; then
		if le "$(mib "${rs[2]}")" "$rtarget"; then okr=met; else okr=MISSED; fi
		cell="$cell, < $rtarget: $okr"
		VERDICTS="$VERDICTS $okr"
	fi
	VERDICTS="$VERDICTS $ok"
	printf '| %s | %s (%s-%s) | %s: %s (%s-%s) | %s | %s | %s | %s | %s / %s | %s |\n' \
		"$label" "$(ms "${s[0]}")" "$(ms "${s[1]}")" "$(ms "${s[2]}")" \
		"$blabel" "$(ms "${bs[0]}")" "$(ms "${bs[1]}")" "$(ms "${bs[2]}")" \
		"$r" "$prc" "$target" "$ok" "$(ms "${cpu[0]}")" \
		"$(ms "${bcpu[0]}")" "$cell" >>"$TABLE"
}

row pgup "PG upgrade head, $N1 units, createdb incl." \
	"psql -1 -f" 1.10 12
row pgdown "PG downgrade base, $N1 units" "psql -1 -f" 1.10 12
row sqlite "SQLite upgrade head, $N1 units" "sqlite3 CLI, 1 txn" 1.10 12
row "current$N1" "PG current, $N1 units" "psql -c 'SELECT 1'" 1.5 12
row "current$N2" "PG current, $N2 units" "psql -c 'SELECT 1'" 1.5 ""
row heads "heads, $N2 units (absolute; header cache warm)" "/bin/true" \
	ms:50 16
row headscold "heads, $N2 units (absolute; no header cache)" \
	"/bin/true" info 16
row pgup "Alembic upgrade head, $N1 units (PG; its CPU, RSS)" \
	"psql -1 -f" info "" alembic

EXTRA=$W/extra.md
: >"$EXTRA"
if [ -s "$W/raw/pgup.alembic" ]; then
	read -r -a p <<<"$(paired "$W/raw/pgup.alembic" "$W/raw/pgup.subject" | stats)"
	echo "- Alembic / migrate, PG upgrade head of $N1 units, run by" \
		"run: median $(ratio "${p[0]}" 1)x" \
		"($(ratio "${p[1]}" 1)-$(ratio "${p[2]}" 1))." >>"$EXTRA"
fi
if [ -n "$UP10K" ]; then
	read -r -a u <<<"$UP10K"
	read -r -a q <<<"$PSQL10K"
	echo "- Once: PG upgrade head of $N2 units took $(ms "${u[0]}") ms" \
		"(CPU $(ms "${u[2]}") ms, peak RSS $(mib "${u[3]}") MiB);" \
		"psql -1 -f of the same statements $(ms "${q[0]}") ms:" \
		"$(ratio "${u[0]}" "${q[0]}")x." >>"$EXTRA"
fi

# ------------------------------------------------------------------
# The report.

HOST=$(hostname -s 2>/dev/null || hostname)
DATE=$(date -u +%Y-%m-%d)
mkdir -p "$RESULTS"
OUT=$RESULTS/$DATE-$HOST.md
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
alv=n/a
if [ "$HAVE_ALEMBIC" = 1 ]; then
	alv=$("$PY" -c 'import alembic, sqlalchemy, psycopg2, sys
print("Alembic %s, SQLAlchemy %s, psycopg2 %s, Python %s" % (alembic.__version__,
      sqlalchemy.__version__, psycopg2.__version__.split()[0],
      sys.version.split()[0]))')
fi
{
	echo "# make bench, $DATE, $HOST"
	echo
	echo "## Machine"
	echo "- nproc: $(nproc); CPU: $cpu_model; memory: $mem"
	echo "- kernel: $(uname -sr); load average at the end:" \
		"$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- work folder (cluster, SQLite files) on" \
		"$(df -T "$W" | awk 'NR == 2 { print $2 }')"
	echo
	echo "## Versions"
	echo "- $("$MIGRATE" --version), -O2 ($MIGRATE)"
	echo "- PostgreSQL $("$PGBIN/postgres" --version | awk "{ print \$3 }")" \
		"(fsync off, Unix socket, trust), psql $PSQL"
	echo "- SQLite CLI $(sqlite3 --version | cut -d' ' -f1)"
	echo "- $alv"
	echo "- $(${CC:-cc} --version | sed -n 1p)"
	echo
	echo "## Figures"
	echo
	echo "$RUNS measured runs per figure after one warm-up each; the" \
		"sides take turns going first.  Times are wall times from" \
		"spawn to exit.  Ratio: median of migrate over median of the" \
		"baseline measured in the same run (the verdict); run-by-run:" \
		"each run of migrate over the baseline run next to it (the" \
		"spread).  CPU: the last command's own user + system time" \
		"(a server's work is not in it).  Upgrades and the downgrade" \
		"run without the header cache (MIGRATE_NO_CACHE=1, a fresh" \
		"machine); current and heads with it, filled by the warm-up" \
		"run; heads also without it.  The" \
		"measurements took $((T1 - T0)) s."
	echo
	cat "$TABLE"
	echo
	cat "$EXTRA"
	echo
	echo "## Raw runs"
	echo
	echo "One line per run: total wall (s), then wall (s), CPU (s) and" \
		"peak RSS (KiB) of each command of the run (the create-database" \
		"step first where there is one)."
	for f in "$W"/raw/*; do
		echo
		echo "### $(basename "$f")"
		echo '```'
		cat "$f"
		echo '```'
	done
} >"$OUT"

echo
cat "$TABLE"
echo
cat "$EXTRA"
echo
echo "bench: report written to ${OUT#"$REPO"/}"
case $VERDICTS in
*MISSED*) echo "bench: some targets missed" ;;
*) echo "bench: every target met" ;;
esac
