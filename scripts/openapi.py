"""Writes docs/api/openapi.yaml from both apps' routes and models (`make openapi`); `--check` only says whether it is current."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from welt.entrypoints.contract import as_yaml, document

REPO = Path(__file__).resolve().parents[1]
DOCUMENT = REPO / "docs" / "api" / "openapi.yaml"


def load_app(name: str) -> ModuleType:
    """functions/<name>/app.py, under a name of its own (both apps are a module named `app`)."""
    module_name = f"welt_{name}_app"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, REPO / "functions" / name / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def generated() -> str:
    return as_yaml(document(load_app("orders").api.operations, load_app("payments").api.operations))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed document is not the generated one")
    arguments = parser.parse_args()
    text = generated()
    if arguments.check:
        if DOCUMENT.read_text(encoding="utf-8") != text:
            print(f"{DOCUMENT.relative_to(REPO)} is not what the routes declare: run `make openapi`.", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
