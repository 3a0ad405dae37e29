"""Writes docs/api/openapi.yaml from both apps' routes and models (`make openapi`); `--check` only says whether it is current."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from welt.entrypoints.contract import as_yaml, document

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.apps import load_app  # noqa: E402  (both apps are a module named `app`: loaded by path)

DOCUMENT = REPO / "docs" / "api" / "openapi.yaml"


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
