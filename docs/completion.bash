# bash completion for migrate(1)                          -*- shell-script -*-
#
# Install one of:
#   cp docs/completion.bash /usr/share/bash-completion/completions/migrate
#   echo 'source /path/to/docs/completion.bash' >> ~/.bashrc
#
# Completes the global options, the commands, each command's options,
# the values of --format, -x KEY=, -c FILE, --schema FILE, --cc, and
# revisions wherever a target is expected: head/heads/base, +1/-1, the
# ids (and LABEL@head) that `migrate history --format json` lists, or,
# when that fails (no binary, a broken unit), the file names in the
# units folder.  The binary is the one being completed (./migrate,
# build/migrate or migrate on PATH), run with the -c and -x options
# already typed, so another config or script_location is honoured.
# Completing never connects to a database.

_migrate_commands="init revision merge upgrade downgrade stamp current
history heads branches show check schema build help"

_migrate_xkeys="script_location= url= version_table= version_table_schema=
history_table= transaction_per_migration= lock_timeout= statement_timeout="

# _migrate_run ARGS...: the binary being completed, with the global -c
# and -x options typed so far.
_migrate_run()
{
	"$_migrate_bin" "${_migrate_gopts[@]}" "$@" 2>/dev/null
}

# Print the units' revision ids, one a line, and LABEL@head for each
# branch label.  With "heads", only the heads.
_migrate_revs()
{
	local json what=${1:-history} dir f kv
	json=$(_migrate_run "$what" --format json)
	if [[ $json == \[* ]]; then
		grep -o '"revision": "[^"]*"' <<<"$json" |
			sed 's/^"revision": "//; s/"$//'
		grep -o '"branch_labels": \[[^]]*\]' <<<"$json" |
			grep -o '"[^"]*"' | grep -v '^"branch_labels"$' |
			sed 's/^"//; s/"$/@head/' | sort -u
		return
	fi
	# no usable binary: the file names of the units folder
	dir=versions
	for kv in "${_migrate_gopts[@]}"; do
		case $kv in
		script_location=*) dir=${kv#script_location=} ;;
		esac
	done
	for f in "$dir"/*.sql "$dir"/*.c; do
		[[ -e $f ]] || continue
		f=${f##*/}
		printf '%s\n' "${f%.*}"
	done
}

# _migrate_reply WORDLIST: COMPREPLY from the words matching $cur.  Bash
# splits words at ':' and '=', so drop what it already has before them.
_migrate_reply()
{
	local w pre=
	COMPREPLY=()
	if [[ $cur == *[:=]* ]]; then
		pre=${cur%"${cur##*[:=]}"}
	fi
	while IFS= read -r w; do
		[[ -n $w && $w == "$cur"* ]] || continue
		COMPREPLY+=("${w#"$pre"}")
	done < <(tr -s ' \t' '\n\n' <<<"$1")
}

_migrate_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

_migrate()
{
	local line=${COMP_LINE:0:COMP_POINT} cur='' prev='' cmd='' w
	local -a words
	local i n _migrate_bin
	local -a _migrate_gopts=()

	read -ra words <<<"$line"
	if [[ $line != *[[:space:]] && ${#words[@]} -gt 0 ]]; then
		cur=${words[${#words[@]} - 1]}
		unset 'words[${#words[@]}-1]'
	fi
	n=${#words[@]}
	((n > 0)) && prev=${words[n - 1]}
	COMPREPLY=()

	_migrate_bin=${words[0]:-migrate}
	_migrate_bin=${_migrate_bin/#\~/$HOME}
	if [[ $_migrate_bin == */* ]]; then
		[[ -x $_migrate_bin ]] || _migrate_bin=
	else
		_migrate_bin=$(type -P "$_migrate_bin")
	fi
	[[ -n $_migrate_bin ]] || _migrate_bin=false

	# global options, up to the command
	for ((i = 1; i < n; i++)); do
		w=${words[i]}
		case $w in
		-c | --config)
			_migrate_gopts+=(-c "${words[i + 1]:-}")
			((i++))
			;;
		-x)
			_migrate_gopts+=(-x "${words[i + 1]:-}")
			((i++))
			;;
		--url)
			((i++))
			;;
		--config=*)
			_migrate_gopts+=(-c "${w#--config=}")
			;;
		-*) ;;
		*)
			cmd=$w
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		-c | --config)
			_migrate_files
			return
			;;
		-x)
			compopt -o nospace 2>/dev/null
			_migrate_reply "$_migrate_xkeys"
			return
			;;
		--url)
			compopt -o nospace 2>/dev/null
			_migrate_reply "postgresql:// postgres:// sqlite:///"
			return
			;;
		esac
		case $cur in
		--wait=*) return ;;
		-*)
			_migrate_reply "-c --config --url -x -q --quiet -v
				--verbose --wait --wait= --help --version"
			[[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace 2>/dev/null
			;;
		*) _migrate_reply "$_migrate_commands" ;;
		esac
		return
	fi

	# the command's own options and arguments
	case $prev in
	--format)
		_migrate_reply "text json"
		return
		;;
	--schema)
		_migrate_files
		return
		;;
	--cc)
		mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		return
		;;
	--include)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
		;;
	-m | --message | --rev-id | --branch-label)
		return
		;;
	--head | --depends-on)
		_migrate_reply "head $(_migrate_revs)"
		return
		;;
	-r | --rev-range)
		# a range: FROM:TO, either side a revision, base or head
		if [[ $cur == *:* ]]; then
			_migrate_reply "$(_migrate_revs | grep -v @ |
				sed "s/^/${cur%%:*}:/") ${cur%%:*}:head"
		else
			compopt -o nospace 2>/dev/null
			_migrate_reply "base: $(_migrate_revs | grep -v @ |
				sed 's/$/:/')"
		fi
		return
		;;
	esac

	if [[ $cur == -* && ! ($cmd == downgrade && $cur =~ ^-[0-9]*$) ]]; then
		case $cmd in
		init | help) _migrate_reply "--help" ;;
		schema) _migrate_reply "--format --help" ;;
		revision)
			_migrate_reply "-m --message --head --branch-label
				--depends-on --rev-id --c --help"
			;;
		merge) _migrate_reply "-m --message --rev-id --help" ;;
		upgrade) _migrate_reply "--sql --dry-run --strict --help" ;;
		downgrade) _migrate_reply "--sql --dry-run --help" ;;
		stamp) _migrate_reply "--purge --dry-run --help" ;;
		current | heads | branches)
			_migrate_reply "-v --verbose --format --help"
			;;
		history)
			_migrate_reply "-r --rev-range -v --verbose --format --help"
			;;
		show) _migrate_reply "--format --help" ;;
		check) _migrate_reply "--schema --roundtrip --format --help" ;;
		build) _migrate_reply "--force --cc --include --help" ;;
		esac
		return
	fi

	case $cmd in
	upgrade) _migrate_reply "head heads +1 $(_migrate_revs)" ;;
	downgrade) _migrate_reply "base -1 $(_migrate_revs)" ;;
	stamp) _migrate_reply "head heads base $(_migrate_revs)" ;;
	show) _migrate_reply "head heads base $(_migrate_revs)" ;;
	merge) _migrate_reply "heads $(_migrate_revs heads)" ;;
	help) _migrate_reply "$_migrate_commands" ;;
	init)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		;;
	esac
}

complete -F _migrate migrate ./migrate
