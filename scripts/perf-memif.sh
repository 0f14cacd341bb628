#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Feeding via testpmd (doc/performance.rst, "Feeding over net_memif"):
# dpdk-testpmd in another process feeds gardengate over net_memif, and, as
# the baseline of each round, a testpmd io receiver in gardengate's place.
#   pcap    testpmd replays the uplink pcap of scenario ul-1k (io mode) into
#           gardengate's N3 (memif server); N6 is net_null
#   txonly  testpmd generates 64-octet UDP to 198.18.0.2 (txonly mode) into
#           gardengate's N6; the configuration has that UE's session; N3 is
#           net_null
# The feeder runs both its lcores on CPU 0 (--lcores 0@0,1@0), the
# receiver's forwarding core has CPU 1. Prints Mpps received per mode;
# writes build/perf/memif.json. About 40 s. Arguments go to
# test/perf/perf.py (e.g. --rounds 3, --memif-modes txonly).
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec /usr/bin/python3 test/perf/perf.py memif --build build "$@"
