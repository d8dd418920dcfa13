"""langid → filter on the shared local Ray: contract outputs, reasons, clear errors."""

import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main

pytestmark = pytest.mark.ray

ES = (
    "El comité se reunió el martes para discutir el nuevo presupuesto de la biblioteca de la ciudad. "
    "Los miembros acordaron que las salas de lectura necesitan más espacio y que la sección infantil "
    "debería abrir los fines de semana. La propuesta se presentará al consejo el próximo mes, donde se "
    "espera que sea aprobada con un amplio apoyo de los dos partidos."
)
ZH = (
    "北京市图书馆昨天举行了新馆开放仪式，吸引了大批市民前来参观。新馆的阅览室面积比旧馆扩大了一倍，"
    "儿童阅读区也将在周末对外开放。馆长表示，图书馆计划在明年增加夜间开放时间，以满足上班族的阅读需求。"
    "许多读者认为，这是一项受欢迎的改变。"
)
RECORDS = [
    {"id": "es", "text": ES},
    {"id": "zh", "text": ZH},
    {"id": "zh-short", "text": "今天天气很好。"},
    {"id": "pt", "text": "Hoje o tempo estava muito bom, então fomos passear no parque com os nossos amigos."},
    {"id": "yue", "text": "佢哋琴日喺公園度行咗好耐，之後去咗飲茶。"},
    {"id": "empty", "text": ""},
]


def write_input(folder):
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in RECORDS] + ["{broken"]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def ids(path):
    return sorted(pq.read_table(path)["id"].to_pylist()) if path.exists() else []


def test_langid_then_filter_every_id_lands_once(ray_session, tmp_path):
    src = write_input(tmp_path / "in")
    runner = CliRunner()
    lid = runner.invoke(main, ["langid", str(src), str(tmp_path / "lid"), "--languages", "ko,en,zh,ja,es", "--actors", "1"])
    assert lid.exit_code == 0, lid.output
    stage = json.loads((tmp_path / "lid" / "stage.json").read_text())
    assert stage["counts"] == {"read": 7, "kept": 3, "rejected": 3, "quarantined": 1}
    assert stage["rejected_by_reason"] == {"lang:pt": 1, "lang:yue": 1, "lang:und": 1}
    kept = {r["id"]: r for r in pq.read_table(tmp_path / "lid" / "kept").to_pylist()}
    assert {k: (v["lang"], v["script"]) for k, v in kept.items()} == {
        "es": ("es", "Latn"), "zh": ("zh", "Hans"), "zh-short": ("zh", "Hans")
    }
    assert all(0 < v["lang_score"] <= 1 and v["script_han"] >= 0 for v in kept.values())

    flt = runner.invoke(main, ["filter", str(tmp_path / "lid"), str(tmp_path / "flt")])
    assert flt.exit_code == 0, flt.output
    assert ids(tmp_path / "flt" / "kept") == ["es", "zh"]
    rejected = pq.read_table(tmp_path / "flt" / "rejected").to_pylist()
    assert [(r["id"], r["drop_reason"]) for r in rejected] == [("zh-short", "quality:min_length")]
    assert "quality_length" in pq.read_table(tmp_path / "flt" / "kept").column_names


def test_missing_model_and_missing_lang_column_are_one_line_errors(ray_session, tmp_path):
    src = write_input(tmp_path / "in")
    runner = CliRunner()
    bad = runner.invoke(main, ["langid", str(src), str(tmp_path / "o"), "--model", str(tmp_path / "nope.bin")])
    assert bad.exit_code == 2 and "does not exist" in bad.output and "Traceback" not in bad.output
    no_lang = runner.invoke(main, ["filter", str(src), str(tmp_path / "o2")])
    assert no_lang.exit_code == 2 and "run `pentaglot langid`" in no_lang.output
