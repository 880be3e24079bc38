#!/usr/bin/env bash
#
# run_guides.sh - run the shell blocks of the operator guides, as printed.
#
#   tests/docs/run_guides.sh [GUIDE.md...]
#
# Default guides: docs/heroku.md docs/cutover.md.  Each guide runs in a
# project of its own (a copy of versions/ and migrate.ini in a temp
# folder), with `migrate` on PATH pointing at $MIGRATE_BIN, against
# SQLite files in that folder and a throwaway PostgreSQL cluster this
# script starts (initdb + pg_ctl, Unix socket only, trust) and stops by
# pid on every exit.  Every command must exit as the guide says; every
# output block marked for checking must match.  The last line is
# "N passed, N failed"; the exit status is 1 on any failure.
#
# The conventions the guides follow (markers, `# exit N`, output blocks,
# the variables each guide gets) are in tests/docs/README.md.
#
# Environment:
#   MIGRATE_BIN   binary under test (default build/migrate)
#   MG_PG_BINDIR  folder holding initdb and pg_ctl (default: pg_config
#                 --bindir, then the newest /usr/lib/postgresql/N/bin)
#   VERBOSE=1     print every command's output, not only failures'
#   KEEP=1        keep the temp folder (its path is printed)

set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2

MIGRATE_BIN=${MIGRATE_BIN:-build/migrate}
case $MIGRATE_BIN in
/*) ;;
*) MIGRATE_BIN=$ROOT/$MIGRATE_BIN ;;
esac
if [ ! -x "$MIGRATE_BIN" ]; then
	echo "run_guides: no binary at $MIGRATE_BIN (build it, or set MIGRATE_BIN)" >&2
	exit 2
fi

if [ $# -gt 0 ]; then
	GUIDES=("$@")
else
	GUIDES=(docs/heroku.md docs/cutover.md)
fi

T=$(mktemp -d /tmp/mg-docs-XXXXXX) || exit 2
chmod 755 "$T"
RESULTS=$T/results
: >"$RESULTS"
PGD=$T/pg
PGPID=
GUIDE_PID=

# ------------------------------------------------------------------
# The throwaway PostgreSQL cluster.

find_pgbin() {
	local d
	if [ -n "${MG_PG_BINDIR:-}" ]; then
		echo "$MG_PG_BINDIR"
		return
	fi
	d=$(pg_config --bindir 2>/dev/null)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"
		return
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ]; then
			echo "$d"
			return
		fi
	done
}

# initdb refuses to run as root: as root, run the server as postgres.
asdb() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	local bin
	bin=$(find_pgbin)
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
		echo "run_guides: no initdb found (install postgresql or set MG_PG_BINDIR)" >&2
		return 1
	fi
	mkdir -p "$PGD"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$PGD"
	fi
	if ! asdb "$bin/initdb" -D "$PGD/data" -A trust -N -U postgres \
		>"$T/initdb.log" 2>&1; then
		cat "$T/initdb.log" >&2
		return 1
	fi
	if ! asdb "$bin/pg_ctl" -w -D "$PGD/data" -l "$PGD/server.log" \
		-o "-k $PGD -c listen_addresses='' -F" start >/dev/null; then
		cat "$PGD/server.log" >&2
		return 1
	fi
	PGPID=$(head -n 1 "$PGD/data/postmaster.pid")
}

# Stop the server by its pid: fast shutdown, then SIGKILL after 10 s.
pg_stop() {
	local n=0
	if [ -z "$PGPID" ]; then
		return
	fi
	kill -INT "$PGPID" 2>/dev/null
	while kill -0 "$PGPID" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if kill -0 "$PGPID" 2>/dev/null; then
		kill -KILL "$PGPID" 2>/dev/null
	fi
	PGPID=
}

cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$GUIDE_PID" ]; then
		kill -TERM "$GUIDE_PID" 2>/dev/null
		wait "$GUIDE_PID" 2>/dev/null
	fi
	pg_stop
	if [ "${KEEP:-}" = 1 ]; then
		echo "run_guides: kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

sql_admin() {
	psql -X -q -v ON_ERROR_STOP=1 \
		"postgresql:///postgres?host=$PGD&user=postgres" "$@"
}

# ------------------------------------------------------------------
# What each guide starts from (see tests/docs/README.md).  Each runs in
# the guide's project folder, in the guide's own subshell.

env_heroku() {
	sql_admin -c "CREATE DATABASE raptor_heroku" || return 1
	export DATABASE_URL="postgresql:///raptor_heroku?host=$PGD&user=postgres&sslmode=require"
}

env_cutover() {
	export ADMIN_URL="postgresql:///postgres?host=$PGD&user=postgres"
	export NEW_URL="postgresql:///raptor?host=$PGD&user=raptor_owner"
	export SCRATCH_URL="postgresql:///raptor_scratch?host=$PGD&user=raptor_owner"
	export APP_URL="postgresql:///raptor?host=$PGD&user=raptor_app"
	export OLD_URL="sqlite:///$GUIDE_DIR/raptor.db"
	# the service's SQLite database: at head, with a customer in it
	migrate -q build &&
		migrate -q --url "$OLD_URL" upgrade head &&
		sqlite3 "$GUIDE_DIR/raptor.db" \
			"INSERT INTO users (email) VALUES ('ada@example.com')"
}

# <!-- run: setup=existing_tables -->: the PostgreSQL database holds the
# baseline's tables, created before migrate was used (no version table).
setup_existing_tables() {
	sql_admin -c "DROP DATABASE IF EXISTS raptor" \
		-c "CREATE DATABASE raptor OWNER raptor_owner" || return 1
	migrate -q --url "$NEW_URL" upgrade 0001_raptor_baseline || return 1
	psql -X -q -v ON_ERROR_STOP=1 "$NEW_URL" \
		-c "DROP TABLE alembic_version, migrate_history"
}

# ------------------------------------------------------------------
# Output comparison.

# mask URL passwords the way migrate does: user:secret@ -> user:***@
mask() {
	sed -E 's#(://[^:/@?]*):[^@/]*@#\1:***@#g; s#(password=)[^&[:space:]]*#\1***#g' \
		<<<"$1"
}

# Replace each guide variable's value (as printed: raw and masked) with
# a token, so the guide can show its example URLs while the test runs
# with its own.  $1 = text, $2 = "test" or "guide".
subst_vars() {
	local text=$1 side=$2 name val m
	for name in "${!DISPLAY[@]}"; do
		if [ "$side" = test ]; then
			val=${!name:-}
		else
			val=${DISPLAY[$name]}
		fi
		[ -n "$val" ] || continue
		m=$(mask "$val")
		text=${text//"$m"/"<$name>"}
		text=${text//"$val"/"<$name>"}
	done
	printf '%s\n' "$text"
}

# Durations and pids vary from run to run; trailing blanks don't count.
normalise() {
	sed -E 's/\(([0-9]+\.)?[0-9]+ ms\)/(N ms)/g; s/pid [0-9]+/pid N/g; s/[[:space:]]+$//'
}

# Does file $2 (actual) match file $1 (expected)?  A line "..." in the
# expected text matches any number of lines.
lines_match() {
	local -a e a
	local i=0 j=0 star=-1 mark=0
	mapfile -t e <"$1"
	mapfile -t a <"$2"
	while [ $j -lt ${#a[@]} ]; do
		if [ $i -lt ${#e[@]} ] && [ "${e[i]}" = "..." ]; then
			star=$i
			mark=$j
			i=$((i + 1))
		elif [ $i -lt ${#e[@]} ] && [ "${e[i]}" = "${a[j]}" ]; then
			i=$((i + 1))
			j=$((j + 1))
		elif [ $star -ge 0 ]; then
			i=$((star + 1))
			mark=$((mark + 1))
			j=$mark
		else
			return 1
		fi
	done
	while [ $i -lt ${#e[@]} ] && [ "${e[i]}" = "..." ]; do
		i=$((i + 1))
	done
	[ $i -eq ${#e[@]} ]
}

# ------------------------------------------------------------------
# Running one guide.

pass() {
	echo "ok   $1"
	echo pass >>"$RESULTS"
}

fail() {
	echo "FAIL $1"
	echo fail >>"$RESULTS"
}

indent() {
	sed 's/^/     | /'
}

# "cmd <<'EOF'", "cmd <<-EOF" (not "<<<"); "... # exit 3"
RE_HEREDOC="(^|[^<])<<-?[[:space:]]*['\"]?([A-Za-z_][A-Za-z0-9_]*)"
RE_FENCE='^```([A-Za-z0-9_-]*)[[:space:]]*$'
RE_EXIT='#[[:space:]]*exit[[:space:]]+([0-9]+)[[:space:]]*$'

# Split block lines $1..$2 of L[] into commands: a line, plus the lines
# joined to it by a trailing backslash, plus a here-document's body.
# Sets CMDS[] and CMDLINE[] (the guide line each starts on).
split_commands() {
	local k=$1 end=$2 cmd line delim first
	CMDS=()
	CMDLINE=()
	while [ "$k" -le "$end" ]; do
		line=${L[k]}
		if [[ $line =~ ^[[:space:]]*(#.*)?$ ]]; then
			k=$((k + 1))
			continue
		fi
		first=$k
		cmd=$line
		while [[ $line == *\\ ]] && [ "$k" -lt "$end" ]; do
			k=$((k + 1))
			line=${L[k]}
			cmd+=$'\n'$line
		done
		if [[ $cmd =~ $RE_HEREDOC ]]; then
			delim=${BASH_REMATCH[2]}
			while [ "$k" -lt "$end" ]; do
				k=$((k + 1))
				line=${L[k]}
				cmd+=$'\n'$line
				if [ "${line#"${line%%[!$'\t']*}"}" = "$delim" ]; then
					break
				fi
			done
		fi
		CMDS+=("$cmd")
		CMDLINE+=($((first + 1)))
		k=$((k + 1))
	done
}

# The exit status a command expects: "# exit N" at the end of one of its
# command lines (not inside a here-document body), else 0.
expected_exit() {
	local head=$1 line
	if [[ $head =~ $RE_HEREDOC ]]; then
		head=${head%%$'\n'*}
	fi
	while IFS= read -r line; do
		if [[ $line =~ $RE_EXIT ]]; then
			echo "${BASH_REMATCH[1]}"
			return
		fi
	done <<<"$head"
	echo 0
}

# Every "](#anchor)" link of the guide names one of its headings, by
# GitHub's rule: lower case, punctuation but '-' and '_' dropped, spaces
# become '-'.
check_anchors() {
	local line slugs=" " a bad=
	local fence=0
	for line in "${L[@]}"; do
		if [[ $line == '```'* ]]; then
			fence=$((1 - fence))
		elif [ $fence = 0 ] && [[ $line == '#'* ]]; then
			line=${line#"${line%%[!#]*}"}
			line=${line# }
			line=$(tr '[:upper:]' '[:lower:]' <<<"$line" |
				sed 's/[^a-z0-9 _-]//g; s/ /-/g')
			slugs+="$line "
		fi
	done
	for a in $(printf '%s\n' "${L[@]}" | grep -o '](#[^)]*)' |
		sed 's/^](#//; s/)$//' | sort -u); do
		[[ $slugs == *" $a "* ]] || bad+=" #$a"
	done
	if [ -z "$bad" ]; then
		pass "$base: every #anchor link names a heading"
	else
		fail "$base: links to no heading:$bad"
	fi
}

run_guide() {
	local guide=$1 base name n i j info marker setup c rc want label
	local out=$GUIDE_DIR/out blockout=$GUIDE_DIR/block.out last_run=0
	base=$(basename "$guide")
	name=${base%.md}
	declare -gA DISPLAY=()
	case $guide in
	/*) mapfile -t L <"$guide" ;;
	*) mapfile -t L <"$ROOT/$guide" ;;
	esac
	n=${#L[@]}
	if declare -F "env_$name" >/dev/null && ! "env_$name" \
		>"$GUIDE_DIR/env.out" 2>&1; then
		fail "$base: setting up the guide's environment"
		indent <"$GUIDE_DIR/env.out"
		return
	fi
	check_anchors
	i=0
	while [ "$i" -lt "$n" ]; do
		if ! [[ ${L[i]} =~ $RE_FENCE ]]; then
			i=$((i + 1))
			continue
		fi
		info=${BASH_REMATCH[1]}
		j=$((i + 1))
		while [ "$j" -lt "$n" ] && [ "${L[j]}" != '```' ]; do
			j=$((j + 1))
		done
		marker=${L[j + 1]:-}
		case $marker in
		'<!-- run -->' | '<!-- run: setup='*' -->')
			setup=
			if [[ $marker =~ setup=([a-z_]+) ]]; then
				setup=${BASH_REMATCH[1]}
				if ! "setup_$setup" >"$GUIDE_DIR/setup.out" 2>&1; then
					fail "$base:$((j + 2)): setup '$setup'"
					indent <"$GUIDE_DIR/setup.out"
				fi
			fi
			: >"$blockout"
			split_commands $((i + 1)) $((j - 1))
			for c in "${!CMDS[@]}"; do
				want=$(expected_exit "${CMDS[c]}")
				label="$base:${CMDLINE[c]}: ${CMDS[c]%%$'\n'*}"
				eval "${CMDS[c]}" >"$out" 2>&1 </dev/null
				rc=$?
				cat "$out" >>"$blockout"
				if [ "$rc" = "$want" ]; then
					pass "$label"
					if [ "${VERBOSE:-}" = 1 ]; then
						indent <"$out"
					fi
				else
					fail "$label (exit $rc, the guide says $want)"
					indent <"$out"
				fi
			done
			last_run=1
			;;
		'<!-- output -->')
			if [ "$last_run" != 1 ]; then
				fail "$base:$((j + 2)): an output block must follow a run block"
			else
				printf '%s\n' "${L[@]:i+1:j-i-1}" >"$GUIDE_DIR/want.raw"
				subst_vars "$(cat "$GUIDE_DIR/want.raw")" guide |
					normalise >"$GUIDE_DIR/want"
				subst_vars "$(cat "$blockout")" test |
					normalise >"$GUIDE_DIR/got"
				if lines_match "$GUIDE_DIR/want" "$GUIDE_DIR/got"; then
					pass "$base:$((i + 1)): output as shown"
				else
					fail "$base:$((i + 1)): output differs from the guide"
					diff -u "$GUIDE_DIR/want" "$GUIDE_DIR/got" |
						tail -n +3 | indent
				fi
			fi
			last_run=0
			;;
		'<!-- env -->')
			local line nm val
			for line in "${L[@]:i+1:j-i-1}"; do
				if [[ $line =~ ^export\ ([A-Z_][A-Z0-9_]*)=(.*)$ ]]; then
					nm=${BASH_REMATCH[1]}
					val=${BASH_REMATCH[2]}
					val=${val#\'}
					val=${val%\'}
					val=${val#\"}
					val=${val%\"}
					DISPLAY[$nm]=$val
				fi
			done
			last_run=0
			;;
		'<!-- no-run'*)
			last_run=0
			;;
		*)
			if [ "$info" = sh ]; then
				fail "$base:$((i + 1)): sh block without a run or no-run marker"
			fi
			last_run=0
			;;
		esac
		i=$((j + 1))
	done
	wait
}

# ------------------------------------------------------------------

export PATH="$T/bin:$PATH"
mkdir -p "$T/bin"
ln -s "$MIGRATE_BIN" "$T/bin/migrate"
unset MIGRATE_CONFIG DATABASE_URL PGHOST PGHOSTADDR PGPORT PGUSER \
	PGDATABASE PGPASSWORD PGSSLMODE PGSERVICE PGOPTIONS
export PSQLRC=/dev/null PAGER=cat LC_ALL=C.UTF-8

start=$(date +%s)
if ! pg_start; then
	echo "FAIL PostgreSQL did not start: the guides need it" >&2
	echo fail >>"$RESULTS"
fi

if [ -n "$PGPID" ]; then
	for guide in "${GUIDES[@]}"; do
		name=$(basename "$guide" .md)
		GUIDE_DIR=$T/$name
		mkdir -p "$GUIDE_DIR/raptor"
		cp -r versions "$GUIDE_DIR/raptor/"
		rm -f "$GUIDE_DIR"/raptor/versions/*.so
		if [ -f migrate.ini ]; then
			cp migrate.ini "$GUIDE_DIR/raptor/"
		fi
		echo "== $guide"
		# in the background, so that a signal reaches the traps at once
		(set +u; cd "$GUIDE_DIR/raptor" && run_guide "$guide") &
		GUIDE_PID=$!
		wait "$GUIDE_PID"
		GUIDE_PID=
	done
fi

passed=$(grep -c '^pass$' "$RESULTS")
failed=$(grep -c '^fail$' "$RESULTS")
echo "$passed passed, $failed failed ($(($(date +%s) - start)) s)"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
