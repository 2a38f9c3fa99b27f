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


def test_triggers_are_valid_and_listen_to_events_newsprism_emits():
    from flows import events
    from flows.serve import runner_deployments
    from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger

    deps = deployments()
    triggered = [d for d in deps if d.get("triggers")]
    assert {d["name"] for d in triggered} >= {"ingest-discovered", "compare-topic", "source-alert"}
    for dep in triggered:
        fl = load_entrypoint(dep["entrypoint"])
        for spec in dep["triggers"]:
            trigger = DeploymentEventTrigger(**spec)
            assert trigger.expect and trigger.expect <= set(events.EVENTS), dep["name"]
            # what a triggered run is given must be a parameter of its flow
            assert set(trigger.parameters or {}) <= set(inspect.signature(fl.fn).parameters), dep["name"]
            # the templates read labels the events carry (flows/events.py puts newsprism.topic on each)
            for value in (trigger.parameters or {}).values():
                if "event.resource[" in str(value):
                    assert "event.resource['newsprism.topic']" in value, value
    ingest = next(d for d in triggered if d["name"] == "ingest-discovered")["triggers"][0]
    # debounced: one run per topic per burst, started after the burst's first event
    assert ingest["for_each"] == ["newsprism.topic"] and ingest["schedule_after"] >= 30 and ingest["within"] >= 30
    # serve builds the same deployments the file declares, with the windows shortened only on request
    built = {d.name: d for d in runner_deployments(deps, debounce=2)}
    assert set(built) == {d["name"] for d in deps}
    assert built["ingest-discovered"].triggers[0].within.total_seconds() == 2
    assert built["source-alert"].triggers[0].within.total_seconds() == 21600  # not a debounced trigger
