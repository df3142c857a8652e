#!/usr/bin/env bash
# The main job. Until the full deployment demo lands, the smallest real job: a central and a
# district node, entries on both, copied across with the raw export/import, both logs verified.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh >/dev/null
mhero=build/src/mhero
data=${MHERO_DEMO_DIR:-demo-data}
rm -rf "$data"
mkdir -p "$data"
echo "== demo data in $data"

$mhero init --dir "$data/central" --role central
central_id=$($mhero id --dir "$data/central")
$mhero init --dir "$data/bong" --role district --district BONG --central-key "$central_id"
echo "== the central node enrolls Bong's key (only enrolled keys may sync)"
$mhero enroll --dir "$data/central" --district BONG --key "$($mhero id --dir "$data/bong")"

$mhero log append --dir "$data/central" --note "national: registry snapshot placeholder"
$mhero log append --dir "$data/central" --scope district/BONG --note "for Bong only"
$mhero log append --dir "$data/bong" --note "Bong: stock report"

echo "== central -> Bong (raw file)"
$mhero log export-raw --dir "$data/central" --out "$data/central.raw"
$mhero log import-raw --dir "$data/bong" "$data/central.raw"
echo "== Bong -> central (raw file)"
$mhero log export-raw --dir "$data/bong" --out "$data/bong.raw"
$mhero log import-raw --dir "$data/central" "$data/bong.raw"
echo "== importing again changes nothing"
$mhero log import-raw --dir "$data/central" "$data/bong.raw"

echo "== verify"
$mhero log verify --dir "$data/central"
$mhero log verify --dir "$data/bong"
echo "== central log"
$mhero log show --dir "$data/central"
echo "demo: ok (node data kept in $data)"
