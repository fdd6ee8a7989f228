"""Every benchmark case loads (its module imports and names its contestants), so a refactor can't leave
``bench/`` broken unnoticed; the timings themselves are bench/run.py's business, never a test's."""
import pathlib
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
import _harness as H  # noqa: E402

CASES = sorted(p.stem for p in (BENCH / "cases").glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("case", CASES)
def test_bench_case_loads_and_names_its_contestants(case):
    mod = H.load_case(case)
    assert [n for n in dir(mod) if n.startswith("make_")], f"bench case {case} defines no contestant"
    order = H.case_order(mod)
    for name in order:
        if name in ("numpy", "fgrad", "facade", "autograd", "torch") or hasattr(mod, f"make_{name}"):
            continue
        pytest.fail(f"bench case {case}: contestant {name!r} has no make_{name}")
    unrun = set(mod.CONTESTANTS) - set(order)  # run.py runs the names of ORDER only
    assert not unrun, f"bench case {case}: contestants {sorted(unrun)} are missing from its ORDER"
    assert H.case_reference(mod) in mod.CONTESTANTS
