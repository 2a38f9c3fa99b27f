"""prefect.yaml: every deployment's entrypoint imports, is a documented flow, and can run with the
parameters the deployment gives (the rest have defaults)."""
from __future__ import annotations

import importlib
import inspect

import yaml

from tests.conftest import REPO


def deployments():
    return yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


def load_entrypoint(entrypoint: str):
    path, name = entrypoint.split(":")
    assert (REPO / path).is_file(), f"{path} does not exist"
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


def test_every_entrypoint_is_a_documented_flow_with_its_parameters():
    from prefect.flows import Flow

    deps = deployments()
    assert deps
    for dep in deps:
        assert dep.get("description"), dep["name"]
        assert dep.get("schedules") or dep.get("triggers"), dep["name"]
        fl = load_entrypoint(dep["entrypoint"])
        assert isinstance(fl, Flow), dep["entrypoint"]
        assert inspect.getdoc(fl.fn), dep["entrypoint"]
        given = dep.get("parameters", {})
        for name, p in inspect.signature(fl.fn).parameters.items():
            assert name in given or p.default is not inspect.Parameter.empty, f"{dep['name']}: {name} has no value"
        assert set(given) <= set(inspect.signature(fl.fn).parameters), dep["name"]


def test_schedules_are_utc_and_the_working_directory_is_explicit():
    data = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    pulls = [step for step in data["pull"] if "prefect.deployments.steps.set_working_directory" in step]
    assert pulls, "process workers need an explicit working directory (PITFALLS.md)"
    for dep in data["deployments"]:
        for s in dep.get("schedules", []):
            assert s.get("timezone") == "UTC"
