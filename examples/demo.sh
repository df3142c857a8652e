#!/usr/bin/env bash
# The main job: a whole mHero deployment on this machine, on loopback (see examples/demo.py and
# README.md "The demo"). Installs what is missing, builds, then runs the demo.
#
#   examples/demo.sh                  # 3,000 generated health workers
#   examples/demo.sh --quick          # 600, every step the same (CI)
#   examples/demo.sh --keep-running   # leave nodes and emulators up afterwards
#   examples/demo.sh --data DIR       # where node data goes (default: demo-data/)
#   examples/demo.sh --registry mcsd  # the central node pulls from an mCSD (FHIR R4) server instead
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
# Only what the demo runs: the mhero binary, the emulators, the registry generator and linksim
# (`tools/test.sh` builds everything).
tools/bootstrap.sh gcc src/mhero tools/gen-registry/gen-registry tools/openinfoman-emulator/openinfoman-emulator \
  tools/rapidpro-emulator/rapidpro-emulator tools/fhir-emulator/fhir-emulator \
  tools/openhim-emulator/openhim-emulator tools/dhis2-emulator/dhis2-emulator tools/linksim
prepared=$SECONDS
status=0
python3 examples/demo.py "$@" || status=$?
echo "demo.sh: install and build $((prepared - started)) s, demo $((SECONDS - prepared)) s"
exit $status
