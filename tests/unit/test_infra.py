"""infra/ checked for real: Ray's own schema, token auth everywhere, node memory against the budgets, the install step."""

import re
from pathlib import Path

import pytest
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


# -- checked for real: Ray's own schema, token auth, memory budgets, the install step ------------


def manifests(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((INFRA / "kuberay" / name).read_text()) if d]


def ray_cluster_specs() -> list[dict]:
    """Every RayCluster spec we ship: the standing cluster's and the RayJob's."""
    job = next(d for d in manifests("rayjob.yaml") if d["kind"] == "RayJob")
    return [manifests("raycluster.yaml")[0]["spec"], job["spec"]["rayClusterSpec"]]


def test_cluster_launcher_config_is_valid_against_the_schema_in_the_ray_wheel():
    import json

    import jsonschema
    import ray.autoscaler
    from ray.autoscaler._private.util import prepare_config, validate_config

    cfg = yaml.safe_load((INFRA / "cluster-aws.yaml").read_text())
    schema = json.loads((Path(ray.autoscaler.__file__).parent / "ray-schema.json").read_text())
    jsonschema.validate(cfg, schema)
    validate_config(prepare_config(cfg))  # what `ray up` does: defaults filled in, then the same schema
    with pytest.raises(jsonschema.ValidationError, match="head_node_typo"):
        jsonschema.validate({**cfg, "head_node_typo": "head"}, schema)


def test_cluster_launcher_starts_every_node_with_token_auth_and_the_dashboard_on_loopback():
    cfg = yaml.safe_load((INFRA / "cluster-aws.yaml").read_text())
    starts = [c for c in cfg["head_start_ray_commands"] + cfg["worker_start_ray_commands"] if "ray start" in c]
    assert len(starts) == 2 and all("export RAY_AUTH_MODE=token;" in c for c in starts)
    assert re.search(r"--dashboard-host=127\.0\.0\.1\b", starts[0])
    assert cfg["file_mounts"] == {"~/.ray/auth_token": "~/.ray/auth_token"}


def test_kuberay_clusters_use_token_auth_and_keep_the_head_service_internal():
    for spec in ray_cluster_specs():
        assert spec["authOptions"] == {"mode": "token"}
        assert tuple(int(x) for x in spec["rayVersion"].split(".")[:2]) >= (2, 52)  # token auth exists from 2.52
        assert spec["headGroupSpec"]["serviceType"] == "ClusterIP"


def test_no_manifest_carries_a_secret_and_the_example_secret_is_the_one_they_read():
    for name in ("raycluster.yaml", "rayjob.yaml"):
        assert all(d["kind"] != "Secret" for d in manifests(name)), f"{name} would overwrite the user's Secret"
    example = manifests("aws-secret.example.yaml")
    assert [d["kind"] for d in example] == ["Secret"]
    read = {
        e["valueFrom"]["secretKeyRef"]["name"]
        for spec in ray_cluster_specs()
        for group in [spec["headGroupSpec"], *spec["workerGroupSpecs"]]
        for e in group["template"]["spec"]["containers"][0].get("env", [])
        if "secretKeyRef" in (e.get("valueFrom") or {})
    }
    assert read == {example[0]["metadata"]["name"]}
    assert set(example[0]["stringData"].values()) == {"replace-me"}


def markdown_table(text: str, first_header: str) -> dict[str, list[str]]:
    """Rows of the Markdown table whose first header cell is ``first_header``, keyed by their first cell."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"\|\s*{first_header}\s*\|", line))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


def gib(quantity: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(Gi|Mi)", quantity).groups()
    return float(number) / (1024 if unit == "Mi" else 1)


def test_node_memory_fits_the_driver_and_task_budgets():
    from ray._private.ray_constants import DEFAULT_OBJECT_STORE_MEMORY_PROPORTION

    from pipeline.resources import STAGE_NAMES, ResourcesConfig
    from tokenizer_training.memory import estimate_peak_bytes
    from tokenizer_training.train import TokenizerConfig

    text = (INFRA / "README.md").read_text()
    budget = {name: float(cells[0]) for name, cells in markdown_table(text, "budget").items()}
    instances = {name: (int(cpu), float(mem)) for name, (cpu, mem) in markdown_table(text, "instance").items()}
    # The table states what the code reserves: the most memory per CPU any stage's task asks for
    # (training is the guard's concern), and the most the tokenizer's memory guard allows.
    stages = ResourcesConfig()
    per_cpu = max(getattr(stages, name).memory_mb / getattr(stages, name).cpus for name in STAGE_NAMES if name != "tokenizer")
    assert budget["task_per_cpu"] == per_cpu / 1024
    tokenizer = TokenizerConfig()
    assert budget["tokenizer_training"] == tokenizer.max_memory_gb
    assert estimate_peak_bytes(tokenizer.model_type, tokenizer.char_budget) <= budget["tokenizer_training"] * 2**30

    def check(where: str, cpus: float, memory: float, head: bool) -> None:
        if head:
            assert memory >= budget["driver"] + budget["head_services"], f"{where}: {memory} GiB head"
            return
        for_tasks = memory * (1 - DEFAULT_OBJECT_STORE_MEMORY_PROPORTION)
        assert for_tasks >= cpus * budget["task_per_cpu"], f"{where}: {cpus} CPUs in {memory} GiB"
        assert for_tasks >= budget["tokenizer_training"], f"{where}: tokenizer training does not fit"

    for spec in ray_cluster_specs():
        for group, head in [(spec["headGroupSpec"], True)] + [(g, False) for g in spec["workerGroupSpecs"]]:
            limits = group["template"]["spec"]["containers"][0]["resources"]["limits"]
            check(f"kuberay {group.get('groupName', 'head')}", float(limits["cpu"]), gib(limits["memory"]), head)
    cfg = yaml.safe_load((INFRA / "cluster-aws.yaml").read_text())
    for name, node in cfg["available_node_types"].items():
        cpus, memory = instances[node["node_config"]["InstanceType"]]
        check(f"cluster-aws {name}", cpus, memory, name == cfg["head_node_type"])


def test_the_image_installs_pentaglot_with_the_readme_install_step():
    readme = (INFRA.parent / "README.md").read_text()
    install = re.search(r"&& (pip install \S+) && pentaglot demo", readme).group(1)
    run = next(line for line in (INFRA / "Dockerfile").read_text().splitlines() if "pip install" in line)
    words = [w for w in run.removeprefix("RUN ").split("&&")[0].split() if not w.startswith("--")]
    assert " ".join(words) == install  # only pip's own options (--no-cache-dir) added
