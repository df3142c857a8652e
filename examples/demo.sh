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
tools/bootstrap.sh
exec python3 examples/demo.py "$@"
