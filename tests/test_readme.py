"""The README's code runs as written."""
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_starts_with_the_two_setup_commands():
    first = re.search(r"```bash\n(.*?)```", README.read_text(), re.S).group(1).splitlines()
    assert first[0].startswith("pip install -e '.[demo]' && python examples/")
    assert first[1].startswith("pip install -e '.[test]' && python -m pytest -q")


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_code_blocks_run(code):
    exec(compile(code, str(README), "exec"), {})
