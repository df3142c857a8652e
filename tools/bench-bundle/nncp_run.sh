#!/bin/bash
# NNCP reference run for bench-bundle: two local NNCP nodes (nncp-cfgnew), a directory standing for
# the USB stick. Usage: nncp_run.sh WORKDIR RECORDS_FILE COUNT ONEFILE
#   COUNT packets, one per record (nncp-file per record), then nncp-xfer -tx / -rx and nncp-toss;
#   then ONEFILE (the same bytes as one file) the same way.
# Prints: "packets_export_s X", "packets_import_s Y", "packets_stick_bytes Z",
#         "onefile_export_s X", "onefile_import_s Y", "onefile_stick_bytes Z".
set -euo pipefail
work=$1; records=$2; count=$3; onefile=$4
rm -rf "$work"; mkdir -p "$work"/{a,b,stick,recs,incoming}
cd "$work"
nncp-cfgnew -nocomments > a.raw
nncp-cfgnew -nocomments > b.raw
key() { grep -m1 "^ *$2:" "$1" | awk '{print $2}'; }
for n in a b; do
  for k in id exchpub exchprv signpub signprv noiseprv noisepub; do eval "${n}_$k=$(key $n.raw $k)"; done
done
cat > a.json <<JSON
{ "spool": "$work/a/spool", "log": "$work/a/log",
  "self": {"id": "$a_id", "exchpub": "$a_exchpub", "exchprv": "$a_exchprv", "signpub": "$a_signpub",
           "signprv": "$a_signprv", "noiseprv": "$a_noiseprv", "noisepub": "$a_noisepub"},
  "neigh": {
    "self": {"id": "$a_id", "exchpub": "$a_exchpub", "signpub": "$a_signpub", "noisepub": "$a_noisepub"},
    "b": {"id": "$b_id", "exchpub": "$b_exchpub", "signpub": "$b_signpub", "noisepub": "$b_noisepub"}
  } }
JSON
cat > b.json <<JSON
{ "spool": "$work/b/spool", "log": "$work/b/log",
  "self": {"id": "$b_id", "exchpub": "$b_exchpub", "exchprv": "$b_exchprv", "signpub": "$b_signpub",
           "signprv": "$b_signprv", "noiseprv": "$b_noiseprv", "noisepub": "$b_noisepub"},
  "neigh": {
    "self": {"id": "$b_id", "exchpub": "$b_exchpub", "signpub": "$b_signpub", "noisepub": "$b_noisepub"},
    "a": {"id": "$a_id", "exchpub": "$a_exchpub", "signpub": "$a_signpub", "noisepub": "$a_noisepub",
          "incoming": "$work/incoming"}
  } }
JSON
mkdir -p a/spool b/spool
# One file per record (not timed: this is the input, like records already in our store).
head -n "$count" "$records" | split -l 1 -a 6 - recs/r
now() { date +%s.%N; }
t0=$(now)
for f in recs/r*; do nncp-file -quiet -cfg a.json "$f" "b:$(basename "$f")"; done
nncp-xfer -quiet -cfg a.json -tx -mkdir stick
t1=$(now)
stick=$(du -sb stick | cut -f1)
nncp-xfer -quiet -cfg b.json -rx stick
nncp-toss -quiet -cfg b.json
t2=$(now)
got=$(ls incoming | wc -l)
echo "packets_count $got"
echo "packets_export_s $(echo "$t1 - $t0" | bc)"
echo "packets_import_s $(echo "$t2 - $t1" | bc)"
echo "packets_stick_bytes $stick"
rm -rf stick incoming recs; mkdir -p stick incoming
t0=$(now)
nncp-file -quiet -cfg a.json "$onefile" "b:all.jsonl"
nncp-xfer -quiet -cfg a.json -tx -mkdir stick
t1=$(now)
stick=$(du -sb stick | cut -f1)
nncp-xfer -quiet -cfg b.json -rx stick
nncp-toss -quiet -cfg b.json
t2=$(now)
cmp -s "$onefile" incoming/all.jsonl && echo "onefile_ok 1" || echo "onefile_ok 0"
echo "onefile_export_s $(echo "$t1 - $t0" | bc)"
echo "onefile_import_s $(echo "$t2 - $t1" | bc)"
echo "onefile_stick_bytes $stick"
