# SPDX-License-Identifier: GPL-2.0
# bash completion for gilprof. The commands come from 'gilprof help' and each command's options
# from 'gilprof COMMAND --help', read from the gilprof being completed (the first word typed)
# when first needed, so they are those of that binary and cannot drift from it. Only the words
# an option's value may be, which the help describes in prose, are listed here.

# Lines of 'gilprof COMMAND --help' that start with an option: "  -o, --output FILE   text" and
# "      --lines           text". A value follows its option after one space; the text after
# two or more. Printed as "SHORT LONG VALUE", '-' for what is absent.
_gilprof_parse_help()
{
	local line re='^ +(-[[:alnum:]])?(, )?(--[[:alnum:]][[:alnum:]-]*)?( ([^ ]+))?( .*)?$'

	while IFS= read -r line; do
		[[ $line =~ $re && -n ${BASH_REMATCH[1]}${BASH_REMATCH[3]} ]] || continue
		printf '%s %s %s\n' "${BASH_REMATCH[1]:--}" "${BASH_REMATCH[3]:--}" \
			"${BASH_REMATCH[5]:--}"
	done
}

declare -gA _gilprof_cache

# The options of gilprof's command $2, as _gilprof_parse_help prints them, from binary $1.
_gilprof_options()
{
	local key="$1 $2"

	if [[ -z ${_gilprof_cache[$key]+set} ]]; then
		_gilprof_cache[$key]=$("$1" "$2" --help 2>/dev/null </dev/null | _gilprof_parse_help)
	fi
	printf '%s\n' "${_gilprof_cache[$key]}"
}

# The commands, from the "  NAME  description" lines of 'gilprof help'.
_gilprof_commands()
{
	local key="$1 :commands"

	if [[ -z ${_gilprof_cache[$key]+set} ]]; then
		_gilprof_cache[$key]=$("$1" help 2>/dev/null </dev/null |
			sed -nE 's/^  ([a-z][a-z-]*) +[^ ].*/\1/p')
	fi
	printf '%s\n' "${_gilprof_cache[$key]}"
}

# The command that word $2 names, as gilprof matches it: the whole name or a unique prefix.
_gilprof_resolve()
{
	local c found= n=0

	for c in $(_gilprof_commands "$1"); do
		[[ $c == "$2" ]] && { echo "$c"; return 0; }
		[[ $c == "$2"* ]] && { found=$c; n=$((n + 1)); }
	done
	[[ $n -eq 1 ]] && echo "$found"
	[[ $n -eq 1 ]]
}

# The value that option $3 (of command $2) takes, described by the help as $4.
_gilprof_value()
{
	local cur=$5 pre

	case $3 in
	--view) COMPREPLY=($(compgen -W "on off wall lock wake" -- "$cur")) ;;
	--unit) COMPREPLY=($(compgen -W "samples nanoseconds" -- "$cur")) ;;
	--kind) COMPREPLY=($(compgen -W "cpu lock-wait runqueue sleep waker" -- "$cur")) ;;
	-p | --pid)
		# a list: complete the id after the last comma
		pre=${cur%"${cur##*,}"}
		COMPREPLY=($(compgen -P "$pre" -W "$(cd /proc && printf '%s ' [0-9]*)" \
			-- "${cur##*,}"))
		;;
	*)
		if [[ $4 == *FILE* ]]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
		elif [[ $4 =~ ^[a-z][a-z|-]*\|[a-z|-]*$ ]]; then
			# literal choices in the help: fp|dwarf
			COMPREPLY=($(compgen -W "${4//|/ }" -- "$cur"))
		fi
		;;
	esac
}

_gilprof()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local bin=${COMP_WORDS[0]} word cmd= cmdi=0 i short long value opts
	local -A takes
	local -a all

	[[ $bin == \~/* ]] && bin=$HOME/${bin#\~/}
	command -v "$bin" >/dev/null 2>&1 || bin=gilprof
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -* ]] && continue
		cmd=${COMP_WORDS[i]}
		cmdi=$i
		break
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_gilprof_commands "$bin")" -- "$cur"))
		fi
		return 0
	fi
	cmd=$(_gilprof_resolve "$bin" "$cmd") || return 0

	opts=$(_gilprof_options "$bin" "$cmd")
	while read -r short long value; do
		[[ -z $short ]] && continue
		[[ $short != - ]] && all+=("$short") && takes[$short]=$value
		[[ $long != - ]] && all+=("$long") && takes[$long]=$value
	done <<<"$opts"

	# --opt=value: bash splits at '='
	if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == = ]]; then
		cur=
	fi

	# Where the options end: at '--', or at the first word that is not an option nor a value.
	local rest=0
	for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ $word == -- ]]; then
			rest=$((i + 1))
			break
		elif [[ $word == -* ]]; then
			[[ ${takes[$word]:--} != - && ${COMP_WORDS[i + 1]} != = ]] && i=$((i + 1))
		elif [[ $word == = ]]; then
			i=$((i + 1))
		else
			rest=$i
			break
		fi
	done

	if [[ $rest -gt 0 ]]; then
		# the traced command's own words, completed as that command's when bash-completion
		# is there
		if [[ $cmd == run || $cmd == record ]]; then
			if [[ $rest -eq $COMP_CWORD && ${COMP_WORDS[rest - 1]} == -- ]]; then
				COMPREPLY=($(compgen -c -- "$cur"))
				return 0
			fi
			if declare -F _command_offset >/dev/null && [[ ${COMP_WORDS[rest - 1]} == -- ]]
			then
				_command_offset "$rest"
				return 0
			fi
		fi
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
	fi

	if [[ $prev == -* && ${takes[$prev]:--} != - ]]; then
		_gilprof_value "$bin" "$cmd" "$prev" "${takes[$prev]}" "$cur"
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "${all[*]}" -- "$cur"))
		return 0
	fi
	case $cmd in
	run | record)
		# a bundled workload, or a program by its path
		if [[ $cur == */* ]]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("$bin" workloads 2>/dev/null </dev/null |
				awk '{ print $1 }')" -- "$cur"))
		fi
		;;
	help) COMPREPLY=($(compgen -W "$(_gilprof_commands "$bin")" -- "$cur")) ;;
	report | diff | flamegraph)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
	return 0
}

complete -F _gilprof gilprof
