"""Language codes: the shipped lid.176 code list, and what a config with an unknown code says."""

from __future__ import annotations

import pytest

from filters.langid import LangIdConfig, default_model_path, load_model, parse_label
from filters.languages import DEFAULT_LANGUAGES, LID176_CODES
from pipeline.config import load_config
from pipeline.errors import UserError


def test_shipped_codes_are_the_models_labels():
    labels = load_model(default_model_path()).get_labels()
    assert LID176_CODES == {parse_label(label)[0] for label in labels}
    assert set(DEFAULT_LANGUAGES) <= LID176_CODES


@pytest.mark.parametrize("section", ["languages: [ko, en, xx]", "langid: {languages: [ko, en, xx]}"])
def test_unknown_code_is_a_one_line_error_naming_key_and_valid_codes(tmp_path, section):
    path = tmp_path / "run.yaml"
    path.write_text(f"input: a\noutput: b\n{section}\n")
    with pytest.raises(UserError) as err:
        load_config(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: langid.languages:") and "'xx' is not a language lid.176 knows" in msg
    assert " ja " in msg and " zh;" in msg and " yue " in msg


def test_a_custom_model_keeps_its_own_codes():
    assert LangIdConfig(model="glotlid.bin", languages=["kor", "xx"]).languages == ["kor", "xx"]
    with pytest.raises(ValueError, match="is empty"):
        LangIdConfig(languages=[])
