"""Synthesizes Welt's CDK app once per test run, offline, and hands the templates to the infra tests."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from infra.stage import Stage

VENV_NODE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "node"
STAGE = Stage(
    name="test",
    mail_from="orders@mail.welt.example",
    web_origin="https://app.welt.example",
    stripe_publishable_key="pk_test_welt",
    alarm_email="factory-it@welt.example",
)


# aws_cdk (seconds to import, and a Node.js process) is imported inside fixtures and tests only, so collecting
# this folder costs the other tiers' worker nothing.


# First, before pytest-xdist reads each test's group into its id.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # jsii runs one Node.js process per interpreter: every infra test shares one worker and one synthesis.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.xdist_group("infra"))


@dataclass
class Synthesized:
    """The app as built (stacks, constructs) and as written (one CloudFormation template per stack)."""

    welt: Any
    outdir: Path
    templates: dict[str, dict[str, Any]]  # stack id (Data, Api, ...) -> template

    def template(self, stack: str) -> Any:
        from aws_cdk.assertions import Template

        return Template.from_json(self.templates[stack])

    def resources(self, stack: str, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.templates[stack]["Resources"].items() if v["Type"] == kind}


# Two help-center pages, each with an inline script of its own, as Material's pages have (the CSP header allows both).
HELP_CENTER_PAGES = {
    "index.html": "<html><head></head><body><h1>Help center</h1><script>var palette = 1</script></body></html>\n",
    "orders/index.html": "<html><head></head><body><h1>Orders</h1><script>var search = 2</script></body></html>\n",
}


def placeholder_sources(root: Path) -> Any:
    """Lambda packages and sites whose content no infra test reads (the packaging tests check the real zips)."""
    from infra.app import APPS, Sources

    packages = {}
    for app in APPS:
        package = root / app / "deployment.zip"
        package.parent.mkdir(parents=True)
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr("app.py", f"# stands in for the {app} package\n")
        packages[app] = package
    site = root / "site"
    (site / "orders").mkdir(parents=True)
    for page, html in HELP_CENTER_PAGES.items():
        (site / page).write_text(html)
    return Sources(packages, Path(__file__).resolve().parents[2] / "web", site)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    os.environ.setdefault("JSII_NODE", str(VENV_NODE))
    from infra.app import build

    root = tmp_path_factory.mktemp("cdk")
    outdir = root / "cdk.out"
    welt = build(STAGE, placeholder_sources(root / "sources"), outdir)
    assembly = welt.app.synth()
    templates = {
        stack.node.id: json.loads(Path(assembly.get_stack_by_name(stack.stack_name).template_full_path).read_text())
        for stack in welt.stacks
    }
    yield Synthesized(welt, outdir, templates)
