"""The documentation site builds strictly, and its API reference covers the public surface.

``mkdocs build --strict`` (mkdocs.yml) fails on a broken link, a broken cross-reference, a page
left out of the navigation or an object mkdocstrings cannot find. The API reference is one page
per module of tests/test_docstrings.py's PUBLIC_MODULES, and each public name must have its entry
there.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_docstrings import PUBLIC_MODULES, public_objects

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "docs" / "api"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site's directory (the build runs once for this file's tests)."""
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", FGRAD_DOCS_SEARCH="false")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        log = "\n".join(line for line in (proc.stdout + proc.stderr).splitlines()
                        if "WARNING" in line or "ERROR" in line or "Error" in line or "Aborted" in line)
        pytest.fail(f"mkdocs build --strict failed:\n{log or proc.stderr[-3000:]}")
    return out


def test_the_site_builds_strictly(site):
    assert (site / "index.html").is_file() and (site / "api" / "fgrad" / "index.html").is_file()


@pytest.mark.parametrize("modname", PUBLIC_MODULES)
def test_every_public_module_has_an_api_page(modname):
    page = API / f"{modname}.md"
    assert page.is_file(), (f"no API page for {modname}: add docs/api/{modname}.md with '::: {modname}' "
                            "and list it in mkdocs.yml's nav")
    assert re.search(rf"^::: {re.escape(modname)}\s*$", page.read_text(), re.MULTILINE), \
        f"{page} should document the module with '::: {modname}'"
    assert f"api/{modname}.md" in (ROOT / "mkdocs.yml").read_text(), f"mkdocs.yml's nav lacks api/{modname}.md"


def test_api_pages_are_only_for_public_modules():
    pages = {p.stem for p in API.glob("*.md")} - {"index"}
    public = set(PUBLIC_MODULES)
    assert pages == public, (f"pages for modules not in PUBLIC_MODULES: {sorted(pages - public)}; "
                             f"public modules without a page: {sorted(public - pages)}")


@pytest.mark.parametrize("modname", PUBLIC_MODULES)
def test_every_public_name_has_an_entry_in_the_reference(site, modname):
    html = (site / "api" / modname / "index.html").read_text()
    ids = set(re.findall(r'id="([^"]+)"', html))
    missing = [name for name, _ in public_objects(modname) if f"{modname}.{name}" not in ids]
    assert not missing, f"the API page of {modname} has no entry for {missing}"
