"""Every file in infra/ parses, and every pentaglot command it runs exists in the CLI."""

import re
from pathlib import Path

import yaml

from pipeline.cli import main

INFRA = Path(__file__).resolve().parents[2] / "infra"


def pentaglot_commands(text: str) -> set[str]:
    """Subcommands in command positions: an entrypoint, after ``--``, ``&&`` or RUN."""
    return set(re.findall(r"(?:entrypoint:|--|&&|RUN)\s+pentaglot\s+([a-z][a-z-]*)", text))


def all_files():
    return sorted(p for p in INFRA.rglob("*") if p.is_file())


def test_yaml_files_parse_and_kuberay_kinds():
    kinds = set()
    for path in all_files():
        if path.suffix in (".yaml", ".yml"):
            docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
            assert docs, f"{path} is empty"
            kinds |= {d.get("kind") for d in docs if isinstance(d, dict)}
    assert {"RayCluster", "RayJob", "Secret"} <= kinds


def test_rayjob_runs_pentaglot_run_with_config_from_s3_and_secret_credentials():
    docs = list(yaml.safe_load_all((INFRA / "kuberay" / "rayjob.yaml").read_text()))
    job = next(d for d in docs if d["kind"] == "RayJob")
    assert re.match(r"pentaglot run s3://\S+\.yaml$", job["spec"]["entrypoint"])
    env = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["env"]
    assert any("secretKeyRef" in (e.get("valueFrom") or {}) for e in env)


def test_cluster_launcher_has_head_autoscaling_workers_and_instance_profile():
    cfg = yaml.safe_load((INFRA / "cluster-aws.yaml").read_text())
    assert cfg["provider"]["type"] == "aws"
    types = cfg["available_node_types"]
    assert cfg["head_node_type"] in types
    workers = [t for name, t in types.items() if name != cfg["head_node_type"]]
    assert any(t["max_workers"] > t["min_workers"] for t in workers)
    assert all("IamInstanceProfile" in t["node_config"] for t in types.values())


def test_dockerfile_follows_ray_image_conventions():
    text = (INFRA / "Dockerfile").read_text()
    instructions = [line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert set(instructions) <= {"ARG", "FROM", "WORKDIR", "COPY", "RUN", "ENV", "USER"}
    assert re.search(r"^FROM rayproject/ray:\$\{RAY_VERSION\}-py311", text, re.M)
    assert "pip install" in text


def test_every_pentaglot_command_in_infra_exists():
    used = set()
    for path in all_files():
        used |= pentaglot_commands(path.read_text())
    assert "run" in used
    assert used <= set(main.commands), used - set(main.commands)
