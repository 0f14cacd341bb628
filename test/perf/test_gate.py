#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The perf harness's ratio gate on made-up results (no DPDK, no timing):
each source/memory variant is held to its own tolerance
(ratio_tolerance_by_source: "gtpgen/nohuge" before "gtpgen" before the
default), and `perf.py spread` reports the largest move of each ratio
between runs and counts those past their variant's tolerance."""

import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perf  # noqa: E402


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


BASE = {
    "ratio_tolerance": 0.20,
    "ratio_tolerance_by_source": {"pcap": 0.20, "gtpgen": 0.30,
                                  "gtpgen/nohuge": 0.15, "gtpgen/huge": 0.35},
    "mpps_ratios": {"ul-1k": {"gg/testpmd": 1.0}},
    "mpps_ratios_by_variant": {v: {"ul-1k": {"gg/testpmd": 1.0}}
                               for v in ("gtpgen/nohuge", "gtpgen/huge", "gtpgen/other")},
}


def results(ratios):
    """An mpps results file whose ul-1k gg/testpmd is ratios[variant]."""
    variants = {v: {"ul-1k": {"gg/testpmd": r}} for v, r in ratios.items()}
    return {"kind": "mpps", "scenarios": variants["pcap/nohuge"], "variants": variants,
            "errors": []}


def fails(ratios):
    out = io.StringIO()
    return perf.check(results(ratios), BASE, out=out)


def main():
    ok = {"pcap/nohuge": 1.0, "gtpgen/nohuge": 1.0, "gtpgen/huge": 1.0, "gtpgen/other": 1.0}
    check(fails(ok) == [], "unchanged ratios failed: %s" % fails(ok))
    # 20 % down: within pcap's 20 %? No (0.79 < 0.80); gtpgen/nohuge (15 %)
    # fails at 0.84, gtpgen/huge (35 %) passes at 0.66, the plain gtpgen
    # entry (30 %) holds an unnamed memory.
    cases = [("pcap/nohuge", 0.79, True), ("pcap/nohuge", 0.81, False),
             ("gtpgen/nohuge", 0.84, True), ("gtpgen/nohuge", 0.86, False),
             ("gtpgen/huge", 0.64, True), ("gtpgen/huge", 0.66, False),
             ("gtpgen/other", 0.69, True), ("gtpgen/other", 0.71, False)]
    for v, r, want_fail in cases:
        f = fails(dict(ok, **{v: r}))
        check(bool(f) == want_fail, "%s at %.2f: %s" % (v, r, f or "passed"))
        check(not f or all(v in x or v == "pcap/nohuge" for x in f),
              "%s at %.2f failed another variant: %s" % (v, r, f))

    # spread: moves between runs, counted against each variant's tolerance
    runs = [results(dict(ok, **{"gtpgen/nohuge": 1.0, "gtpgen/huge": 1.0})),
            results(dict(ok, **{"gtpgen/nohuge": 0.88, "gtpgen/huge": 0.78}))]
    out = io.StringIO()
    rows = perf.spread(runs, BASE, out=out)
    moves = {(r[1], r[2], r[3]): r[0] for r in rows}
    m = moves[("gtpgen/nohuge", "ul-1k", "gg/testpmd")]
    check(abs(m - (1.0 / 0.88 - 1)) < 1e-9, "gtpgen/nohuge move %r" % m)
    check(rows[0][1] == "gtpgen/huge", "largest move not first: %s" % rows[:2])
    text = out.getvalue()
    check("gtpgen/huge: 0 of 1 ratios moved more than 35 %" in text, text)
    check("gtpgen/nohuge: 0 of 1 ratios moved more than 15 % (its tolerance), 1 more than 10 %"
          in text, text)
    check("pcap/nohuge: 0 of 1" in text, text)
    runs[1]["variants"]["gtpgen/nohuge"]["ul-1k"]["gg/testpmd"] = 0.80
    out = io.StringIO()
    perf.spread(runs, BASE, out=out)
    check("gtpgen/nohuge: 1 of 1 ratios moved more than 15 %" in out.getvalue(),
          out.getvalue())
    print("gate: per-variant tolerances and spread as expected")


if __name__ == "__main__":
    main()
