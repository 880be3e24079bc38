# shellcheck shell=bash
# common.sh - sourced by bench/bench.sh and bench/profile.sh: the
# generated chains, the throwaway PostgreSQL cluster, the binaries.
#
# The caller sets W (a work folder, mode 755) before calling pg_start, and
# calls pg_stop from its EXIT trap.

unset DATABASE_URL MIGRATE_CONFIG PGHOST PGPORT PGUSER PGDATABASE \
	PGPASSWORD PGSERVICE PGOPTIONS

# shellcheck disable=SC2034 # used by bench.sh
PY=/usr/bin/python3	# Debian's, where python3-alembic lives

# The real binaries: /usr/bin/psql is Debian's pg_wrapper, a Perl script
# that would add tens of milliseconds to every baseline.
PGBIN=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$PGBIN/initdb" ]; then
	PGBIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
PSQL=$PGBIN/psql

# need FILE...: each must be executable.
need() {
	local f
	for f in "$@"; do
		if [ ! -x "$f" ]; then
			echo "bench: '$f' is missing" >&2
			exit 3
		fi
	done
}

# ------------------------------------------------------------------
# The chains.  Unit i: CREATE TABLE t_i + CREATE INDEX t_i_v; its
# downgrade drops the table.  Ids r0001..., file names 0001_t.sql...

# gen_chain DIR N: DIR/migrate.ini, DIR/versions/, and next to them the
# same SQL for the baselines: up.pg.sql, down.pg.sql (reverse order),
# up.sqlite.sql (in BEGIN/COMMIT).
gen_chain() {
	local dir=$1 n=$2
	mkdir -p "$dir/versions"
	printf '[migrate]\nscript_location = versions\n' >"$dir/migrate.ini"
	awk -v n="$n" -v dir="$dir" 'BEGIN {
		w = length(n "") < 4 ? 4 : length(n "")
		fmt = "%0" w "d"
		up = dir "/up.pg.sql"; lite = dir "/up.sqlite.sql"
		print "BEGIN;" > lite
		for (i = 1; i <= n; i++) {
			id = sprintf(fmt, i)
			f = dir "/versions/" id "_t.sql"
			down = (i == 1) ? "null" : "r" sprintf(fmt, i - 1)
			c = "CREATE TABLE t_" id " (id BIGINT PRIMARY KEY, v TEXT);"
			x = "CREATE INDEX t_" id "_v ON t_" id " (v);"
			d[i] = "DROP TABLE t_" id ";"
			printf "-- revision: r%s\n-- down_revision: %s\n", id, down > f
			printf "-- message: table %s\n", id > f
			printf "-- create_date: 2026-01-01T00:00:00Z\n" > f
			printf "-- migrate:upgrade\n%s\n%s\n", c, x > f
			printf "-- migrate:downgrade\n%s\n", d[i] > f
			close(f)
			print c > up; print x > up
			print c > lite; print x > lite
		}
		print "COMMIT;" > lite
		for (i = n; i >= 1; i--)
			print d[i] > (dir "/down.pg.sql")
	}'
}

# gen_alembic DIR N: an Alembic project whose revision files execute the
# same SQL, one op.execute() per statement.
gen_alembic() {
	local dir=$1 n=$2
	mkdir -p "$dir/versions"
	printf '[alembic]\nscript_location = %s\n' "$dir" >"$dir/alembic.ini"
	cat >"$dir/env.py" <<-'EOF'
	from alembic import context
	from sqlalchemy import create_engine

	url = context.get_x_argument(as_dictionary=True)["url"]
	engine = create_engine(url)
	with engine.connect() as connection:
	    context.configure(connection=connection)
	    with context.begin_transaction():
	        context.run_migrations()
	EOF
	awk -v n="$n" -v dir="$dir" 'BEGIN {
		w = length(n "") < 4 ? 4 : length(n "")
		fmt = "%0" w "d"
		for (i = 1; i <= n; i++) {
			id = sprintf(fmt, i)
			f = dir "/versions/r" id ".py"
			down = (i == 1) ? "None" : "\"r" sprintf(fmt, i - 1) "\""
			print "from alembic import op\n" > f
			print "revision = \"r" id "\"" > f
			print "down_revision = " down > f
			print "branch_labels = None\ndepends_on = None\n" > f
			print "\ndef upgrade():" > f
			print "    op.execute(\"CREATE TABLE t_" id \
				" (id BIGINT PRIMARY KEY, v TEXT)\")" > f
			print "    op.execute(\"CREATE INDEX t_" id "_v ON t_" id \
				" (v)\")" > f
			print "\n\ndef downgrade():" > f
			print "    op.execute(\"DROP TABLE t_" id "\")" > f
			close(f)
		}
	}'
}

# ------------------------------------------------------------------
# The cluster, in $W/pg: initdb refuses root, so as root everything runs
# as postgres.  fsync off (-F) as in the test harness; enough lock slots
# for 10,000 units in one transaction (each holds ~4 relation locks).

asdb() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
pgctl() {
	asdb "$PGBIN/pg_ctl" -D "$PGD/data" "$@"
}

PGUP=0

# pg_start [SERVER-OPTION...]: initdb and start; extra -c options appended.
pg_start() {
	PGD=$W/pg
	mkdir -p "$PGD"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$PGD"
	fi
	asdb "$PGBIN/initdb" -D "$PGD/data" -A trust -N -U postgres \
		>"$W/initdb.log" 2>&1 || {
		cat "$W/initdb.log" >&2
		exit 4
	}
	pgctl -w -l "$PGD/server.log" -o "-k $PGD -c listen_addresses='' -F \
		-c max_locks_per_transaction=1024 $*" start >/dev/null || {
		cat "$PGD/server.log" >&2
		exit 4
	}
	PGUP=1
}

pg_stop() {
	if [ "$PGUP" = 1 ]; then
		pgctl -m immediate stop >/dev/null 2>&1 || true
		PGUP=0
	fi
}

url() { printf 'postgresql:///%s?host=%s&user=postgres' "$1" "$PGD"; }
sql() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -c "$1" "$(url postgres)"; }
