"""The ``mixture:`` config section: validated at load, one line naming the key."""

import pytest

from pipeline.config import load_config
from pipeline.errors import UserError


def _load(tmp_path, mixture: str):
    path = tmp_path / "run.yaml"
    path.write_text(f"input: in\noutput: out\nmixture:\n{mixture}")
    return load_config(path)


def test_mixture_section_becomes_the_readers_mixture(tmp_path):
    config = _load(tmp_path, "  shares: {ko: 0.25, en: 0.75}\n  max_epochs: {ko: 6}\n  seed: 9\n")
    mixture = config.mixture.mixture()
    assert mixture.shares == {"ko": 0.25, "en": 0.75} and mixture.cap("ko") == 6 and mixture.cap("en") == 4
    assert config.mixture.seed == 9
    assert _load(tmp_path, "  seed: 1\n").mixture.mixture() is None  # no shares: every document once


@pytest.mark.parametrize("body, message", [
    ("  shares: {ko: 0.5, en: 0.4}\n", "mixture: Value error, shares add up to 0.9; they are token shares and must add up to 1"),
    ("  shares: {ko: 1.0}\n  max_epochs: {ko: 0}\n", "max_epochs must be > 0"),
    ("  share: {ko: 1.0}\n", "unknown key 'mixture.share' (did you mean 'shares'?)"),
])
def test_bad_mixture_is_one_line_naming_the_key(tmp_path, body, message):
    with pytest.raises(UserError, match="run.yaml: ") as err:
        _load(tmp_path, body)
    assert message in str(err.value) and "\n" not in str(err.value)
