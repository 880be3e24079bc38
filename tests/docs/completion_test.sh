#!/usr/bin/env bash
#
# completion_test.sh - docs/completion.bash, completing real command
# lines the way bash does, in a copy of the project.
#
#   MIGRATE_BIN=build/migrate tests/docs/completion_test.sh
#
# Prints one line per case and "N passed, N failed"; exit 1 on failure.

set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MIGRATE_BIN=${MIGRATE_BIN:-build/migrate}
case $MIGRATE_BIN in
/*) ;;
*) MIGRATE_BIN=$ROOT/$MIGRATE_BIN ;;
esac
if [ ! -x "$MIGRATE_BIN" ]; then
	echo "completion_test: no binary at $MIGRATE_BIN" >&2
	exit 2
fi

T=$(mktemp -d /tmp/mg-comp-XXXXXX) || exit 2
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/proj/other_versions"
ln -s "$MIGRATE_BIN" "$T/bin/migrate"
export PATH="$T/bin:$PATH"
unset MIGRATE_CONFIG
cp -r "$ROOT/versions" "$T/proj/"
cd "$T/proj" || exit 2

# a second config, whose units carry a branch label
cat >other.ini <<'EOF'
[migrate]
script_location = other_versions
EOF
cat >other_versions/0001_billing_root.sql <<'EOF'
-- revision: 0001_billing_root
-- down_revision: null
-- branch_labels: billing
-- migrate:upgrade
CREATE TABLE invoices (id INTEGER);
-- migrate:downgrade
DROP TABLE invoices;
EOF

# shellcheck source=../../docs/completion.bash
source "$ROOT/docs/completion.bash"

passed=0
failed=0

# complete LINE: run the completion function as bash would for LINE
# (cursor at its end) and print the sorted candidates on one line.
complete_line() {
	local line=$1
	COMP_LINE=$line
	COMP_POINT=${#line}
	# bash's own word split, COMP_WORDBREAKS included, for COMP_WORDS
	read -ra COMP_WORDS <<<"${line//[:=]/ & }"
	[[ $line == *[[:space:]] ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_migrate migrate "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]:-}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect LINE CANDIDATES: the candidates, exactly (sorted, space-separated)
expect() {
	local got
	got=$(complete_line "$1")
	if [ "$got" = "$2" ]; then
		echo "ok   '$1'"
		passed=$((passed + 1))
	else
		echo "FAIL '$1'"
		echo "     want: $2"
		echo "     got:  $got"
		failed=$((failed + 1))
	fi
}

# contains LINE WORD...: each WORD is among the candidates
contains() {
	local line=$1 got w miss=
	shift
	got=" $(complete_line "$line") "
	for w in "$@"; do
		[[ $got == *" $w "* ]] || miss+=" $w"
	done
	if [ -z "$miss" ]; then
		echo "ok   '$line' has $*"
		passed=$((passed + 1))
	else
		echo "FAIL '$line' lacks$miss"
		echo "     got: $got"
		failed=$((failed + 1))
	fi
}

R1=0001_raptor_baseline
R2=0002_users_display_name
R3=0003_trace_events_created_idx
R4=0004_users_email_normalise

expect "migrate " "branches build check current downgrade heads help history init merge revision schema show stamp upgrade"
expect "migrate up" "upgrade"
expect "migrate h" "heads help history"
expect "migrate --v" "--verbose --version"
expect "migrate --w" "--wait --wait="
expect "migrate -x lock" "lock_timeout="
expect "migrate -x tr" "transaction_per_migration="
expect "migrate --url po" "postgres:// postgresql://"
expect "migrate upgrade " "+1 $R1 $R2 $R3 $R4 head heads"
expect "migrate upgrade 0003" "$R3"
expect "migrate upgrade --" "--dry-run --help --sql --strict"
expect "migrate -q --url sqlite:///x.db upgrade 00" "$R1 $R2 $R3 $R4"
expect "migrate downgrade " "-1 $R1 $R2 $R3 $R4 base"
expect "migrate downgrade -" "-1"
expect "migrate downgrade --" "--dry-run --help --sql"
expect "migrate stamp --" "--dry-run --help --purge"
expect "migrate stamp 0001" "$R1"
expect "migrate show b" "base"
expect "migrate merge " "$R4 heads"
expect "migrate current --" "--format --help --verbose"
expect "migrate history --format " "json text"
expect "migrate history -r 0002_users_display_name:00" "$R1 $R2 $R3 $R4"
expect "migrate history -r base:h" "head"
expect "migrate history -r 0" "$R1: $R2: $R3: $R4:"
expect "migrate check --" "--format --help --roundtrip --schema"
expect "migrate build --" "--cc --force --help --include"
expect "migrate revision --" "--branch-label --c --depends-on --head --help --message --rev-id"
expect "migrate revision --head 0004" "$R4"
expect "migrate revision -m " ""
expect "migrate help s" "schema show stamp"
expect "migrate schema --" "--format --help"
contains "migrate -c oth" "other.ini" "other_versions"
contains "migrate check --schema v" "versions"
# the -c and -x already typed choose the units
expect "migrate -c other.ini upgrade " "+1 0001_billing_root billing@head head heads"
expect "migrate -x script_location=other_versions stamp 0" "0001_billing_root"
# no usable binary: the units folder's file names
expect "./no-such-migrate upgrade 000" "$R1 $R2 $R3 $R4"
expect "./no-such-migrate -x script_location=other_versions upgrade 0" "0001_billing_root"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
