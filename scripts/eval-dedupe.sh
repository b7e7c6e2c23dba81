#!/usr/bin/env bash
# Evaluates `leadhub dedupe` on the public record-linkage benchmarks: pairwise
# precision, recall and F1 (and B-cubed) against each dataset's ground truth,
# with the number of candidate pairs compared and the wall time.
#
#   scripts/eval-dedupe.sh [--data DIR] [--synthetic N] [--write]
#
#   --data DIR      where the datasets are (default: $LEADHUB_EVAL_DATA or
#                   /work/shared/data), laid out as febrl/, splink_datasets/,
#                   dedupe_examples/ (see the README.md in each)
#   --synthetic N   also generate N synthetic leads and deduplicate them
#                   (e.g. 1000000 for the scale test)
#   --write         write the results into docs/BENCHMARKS.md (replacing the
#                   previous identity-resolution table, or appending one)
#
# One engine and one set of defaults for every dataset: only --map differs,
# and only where a dataset's headers are not recognised.
set -euo pipefail

cd "$(dirname "$0")/.."
data="${LEADHUB_EVAL_DATA:-/work/shared/data}"
synthetic=0
write=0
while [ $# -gt 0 ]; do
	case "$1" in
	--data) data="$2"; shift 2 ;;
	--synthetic) synthetic="$2"; shift 2 ;;
	--write) write=1; shift ;;
	*) echo "usage: $0 [--data DIR] [--synthetic N] [--write]" >&2; exit 2 ;;
	esac
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/leadhub" ./cmd/leadhub
lh="$work/leadhub"

rows=()
maps=()

# json_field FILE KEY: a number from a flat JSON stats file.
json_field() {
	grep -o "\"$2\": *[0-9.e+-]*" "$1" | head -1 | sed 's/.*: *//'
}

# run LABEL MAPDOC TRUTHARGS -- DEDUPEARGS…
run() {
	local label="$1" mapdoc="$2" truth="$3"
	shift 4
	local out="$work/$label.csv" stats="$work/$label.json"
	echo "== $label" >&2
	"$lh" dedupe "$@" --output "$out" --stats "$stats" --quiet
	# shellcheck disable=SC2086
	local row
	row="$(eval "\"$lh\" dedupe eval --clusters \"$out\" $truth --label \"$label\" --format markdown")"
	local pairs secs
	pairs="$(json_field "$stats" candidate_pairs)"
	secs="$(json_field "$stats" total)"
	rows+=("$row $pairs | $(printf '%.2f' "$secs") |")
	local shown="" a
	for a in "$@"; do
		a="${a#"$data/"}"
		a="${a#"$work/"}"
		case "$a" in *" "*) a="'$a'" ;; esac
		shown+=" $a"
	done
	maps+=("| $label | \`leadhub dedupe$shown\` | $mapdoc |")
	echo "$row $pairs candidate pairs, ${secs}s" >&2
}

febrl="$data/febrl"
for n in 1 2 3; do
	run "FEBRL$n" "recognised from the headers" "--truth-from-id '^rec-(\\d+)-'" -- \
		--input "$febrl/dataset$n.csv" --id-column rec_id
done
run "FEBRL4 (4a × 4b)" "recognised from the headers" "--truth-from-id '^rec-(\\d+)-'" -- \
	--input "$febrl/dataset4a.csv" --input "$febrl/dataset4b.csv" --id-column rec_id
splink="$data/splink_datasets/fake_1000.csv"
run "Splink fake_1000" "recognised from the headers (\`cluster\` is not compared)" \
	"--truth '$splink' --truth-id unique_id --truth-entity cluster" -- \
	--input "$splink" --id-column unique_id
ex="$data/dedupe_examples"
run "dedupe csv_example" "\`Site name=company,Address=address,Zip=postcode,Phone=phone,Email Address=email\`" \
	"--truth '$ex/csv_example_input_with_true_ids.csv' --truth-id Id --truth-entity 'True Id'" -- \
	--input "$ex/csv_example_messy_input.csv" --id-column Id \
	--map "Site name=company,Address=address,Zip=postcode,Phone=phone,Email Address=email"
run "dedupe patstat" "\`Name=company\`" \
	"--truth '$ex/patstat_reference.csv' --truth-id person_id --truth-entity leuven_id" -- \
	--input "$ex/patstat_input.csv" --id-column person_id --map "Name=company"

if [ "$synthetic" -gt 0 ]; then
	go run ./internal/identity/synth/genleads -n "$synthetic" -o "$work/leads.csv"
	run "synthetic leads ($synthetic)" "recognised from the headers (\`entity_id\` is not compared)" \
		"--truth '$work/leads.csv' --truth-id lead_id --truth-entity entity_id" -- \
		--input "$work/leads.csv" --id-column lead_id
fi

header='| dataset | records | true pairs | predicted pairs | precision | recall | F1 | B³ precision | B³ recall | B³ F1 | candidate pairs | seconds |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
table="$header"$'\n'"$(printf '%s\n' "${rows[@]}")"
maptable='| dataset | command | columns compared |
|---|---|---|'$'\n'"$(printf '%s\n' "${maps[@]}")"
echo
echo "$table"

if [ "$write" = 1 ]; then
	section="$work/section.md"
	{
		echo "### Identity resolution: \`leadhub dedupe\` on public benchmarks — $(date -u '+%Y-%m-%d %H:%M') UTC"
		echo
		echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(uname -s | tr 'A-Z' 'a-z'). $(go version | cut -d' ' -f3). Command: \`scripts/eval-dedupe.sh${synthetic:+ --synthetic $synthetic} --write\`"
		echo
		echo "Pairwise precision/recall/F1 over all pairs of records put in one cluster, against every pair of the"
		echo "same true entity (for FEBRL4, records of 4a and 4b; a pair inside one file counts as a false positive)."
		echo "B³ (B-cubed) precision/recall average, over records, the share of a record's predicted cluster that is"
		echo "its true entity and the share of its true entity found in its predicted cluster."
		echo "Seconds are the wall time of the whole \`leadhub dedupe\` run (reading, blocking, estimating, scoring,"
		echo "clustering, writing). Default threshold ($(grep -o 'DefaultThreshold = [0-9.]*' internal/identity/match/dedupe.go | sed 's/.*= //'))."
		echo
		echo "$table"
		echo
		echo "$maptable"
		echo
	} >"$section"
	# Replace the previous identity-resolution table (its notes, under
	# their own heading, stay); append when there is none.
	doc=docs/BENCHMARKS.md
	if grep -q '^### Identity resolution: `leadhub dedupe`' "$doc"; then
		awk -v sec="$section" '
			/^### Identity resolution: `leadhub dedupe`/ { while ((getline l < sec) > 0) print l; skip = 1; next }
			skip && (/^#### Notes on the identity-resolution/ || /^### /) { skip = 0 }
			!skip { print }
		' "$doc" >"$work/doc.md"
		cp "$work/doc.md" "$doc"
		echo "replaced the identity-resolution table in $doc" >&2
	else
		{ echo; cat "$section"; } >>"$doc"
		echo "appended to $doc" >&2
	fi
fi
