"""The Lambda packages are built for the runtime, not the build machine, and run on it with nothing else.

Each package is built as `make package` builds it. Every compiled module must be CPython 3.11 x86_64 code from a
manylinux wheel (or a pure wheel's Python); the handler must import from the unzipped files plus the AWS SDK the
python3.11 runtime provides, and nothing else; and the zips stay within their size budgets.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from infra.package import LEFT_OUT, PYTHON_VERSION, package_app, runtime_sdk_stand_in

# One group: each package is built once, on one worker, for every test that reads it.
pytestmark = pytest.mark.xdist_group("packaging")

# Zipped size budgets: the orders package also runs send-emails and retry-emails, the payments one reconcile-payments.
BUDGETS = {"orders": 10_000_000, "payments": 15_000_000}
ELF_MACHINE_X86_64 = 0x3E
# cp311 (or older, abi3) and a manylinux platform on x86_64; or pure Python.
WHEEL_TAG = re.compile(r"^py[0-9.py]*-none-any$|^cp3(\d+)-(cp311|abi3)-manylinux[_0-9a-z]*_x86_64$")

IMPORT_HANDLER = """
import sys
sys.path[:] = sys.argv[1:3] + [p for p in sys.path if 'site-packages' not in p and p != '']
import app
from chalice import Chalice
assert isinstance(app.app, Chalice), type(app.app)
import welt, pydantic, jwt, aws_lambda_powertools, boto3
for module in (app, welt, pydantic, jwt, aws_lambda_powertools):
    assert module.__file__.startswith(sys.argv[1]), module.__file__
assert boto3.__file__.startswith(sys.argv[2]), boto3.__file__
print(sorted(app.app.routes))
# The checks of what a client sends run from the package: EU VAT IDs (stdnum without its data files) and plain emails.
from welt.domain.model import Billing
Billing.model_validate({"name": "Ana", "email": "ana@brand.example", "vat_id": "DE136695976",
                        "address": {"line1": "A 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}})
"""

# The invoice PDF renders from the payments package alone (fpdf2 with fontTools, without Pillow).
RENDER_INVOICE = """
from datetime import datetime, timezone
from welt.adapters.invoice_pdf import render_invoice
from welt.domain.invoice import InvoiceDocument, InvoiceLine, factory_seller
from welt.domain.model import Billing, PostalAddress
from welt.domain.verifactu import InvoiceType
buyer = Billing(name="Ana Ruiz", email="ana@brand.example",
                address=PostalAddress(line1="Calle Mayor 1", city="Elche", postal_code="03201", country="ES"))
document = InvoiceDocument(number="INV-2026-000001", issued_at=datetime(2026, 1, 5, tzinfo=timezone.utc), payment_id="pay_1",
                           seller=factory_seller(), buyer=buyer, lines=[InvoiceLine("00001-DMO Oxford", 2, 9000, 18000)],
                           manufacturing=18000, shipping=1500, customization=0, net=19500, vat_rate_percent=21, vat=4095,
                           vat_note=None, total=23595, currency="EUR", invoice_type=InvoiceType.F1,
                           verification_url="https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B03999992")
pdf = render_invoice(document)
assert pdf.startswith(b"%PDF-"), pdf[:20]
import stripe  # the client Welt calls, without the parameter types the package leaves out
assert stripe.StripeClient("sk_test_package").v1.payment_intents is not None
"""


@pytest.fixture(scope="module", params=["orders", "payments"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """(app, deployment zip, its unzipped files)."""
    name: str = request.param
    workdir = tmp_path_factory.mktemp(name)
    deployment = package_app(name, workdir)
    unzipped = workdir / "unzipped"
    with zipfile.ZipFile(deployment) as archive:
        archive.extractall(unzipped)
    return name, deployment, unzipped


@pytest.fixture(scope="module")
def runtime_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return runtime_sdk_stand_in(tmp_path_factory.mktemp("runtime"))


def wheel_tags(unzipped: Path) -> dict[str, list[str]]:
    return {
        wheel.parent.name: [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines() if line.startswith("Tag:")]
        for wheel in unzipped.glob("*.dist-info/WHEEL")
    }


@pytest.mark.slow
def test_every_wheel_is_manylinux_x86_64_for_cpython_311_or_pure(package: tuple[str, Path, Path]) -> None:
    _, _, unzipped = package
    tags = wheel_tags(unzipped)
    assert "pydantic_core" in " ".join(tags), tags  # a compiled dependency is there to be checked
    for dist, dist_tags in tags.items():
        assert dist_tags, dist
        for tag in dist_tags:
            match = WHEEL_TAG.match(tag)
            assert match, f"{dist}: {tag} is not a manylinux x86_64 CPython 3.11 wheel nor a pure one"
            assert match.group(1) is None or int(match.group(1)) <= 11, f"{dist}: {tag} needs a newer Python than 3.11"


@pytest.mark.slow
def test_every_compiled_module_is_cpython_311_x86_64_elf(package: tuple[str, Path, Path]) -> None:
    _, _, unzipped = package
    modules = sorted(unzipped.rglob("*.so"))
    assert any("pydantic_core" in str(module) for module in modules), modules
    for module in modules:
        assert re.search(r"\.(cpython-311-x86_64-linux-gnu|abi3)\.so$", module.name), module
        header = module.read_bytes()[:20]
        assert header[:5] == b"\x7fELF\x02", f"{module}: not a 64-bit ELF"  # class 2: 64-bit
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_X86_64, f"{module}: not x86_64"


@pytest.mark.slow
def test_the_package_stays_within_its_budget_without_the_runtime_sdk(package: tuple[str, Path, Path]) -> None:
    name, deployment, unzipped = package
    assert deployment.stat().st_size <= BUDGETS[name], f"{name}: {deployment.stat().st_size:,} bytes"
    assert not any((unzipped / module).exists() for module in ("boto3", "botocore", "s3transfer", "PIL"))
    assert not any(d.name.lower().startswith(tuple(LEFT_OUT)) for d in unzipped.glob("*.dist-info")), LEFT_OUT
    assert (unzipped / "welt" / "domain" / "catalog.json").is_file()
    assert not any((unzipped / top).exists() for top in ("welt_stack", "tests", "vendor"))
    assert not list(unzipped.rglob("__pycache__")) and not list(unzipped.rglob("*.c"))


@pytest.mark.slow
def test_the_handler_imports_from_the_package_and_the_runtime_sdk_alone(package: tuple[str, Path, Path], runtime_sdk: Path) -> None:
    name, _, unzipped = package
    # The compiled modules are CPython 3.11's: only that interpreter can load them (the venv and locks are 3.11).
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == PYTHON_VERSION
    script = IMPORT_HANDLER + (RENDER_INVOICE if name == "payments" else "")
    # -I: isolated (no user site, no PYTHON* variables, no cwd); -S: no site-packages at all.
    run = [sys.executable, "-I", "-S", "-c", script, str(unzipped), str(runtime_sdk)]
    result = subprocess.run(run, capture_output=True, text=True, cwd=unzipped.parent, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "/health" in result.stdout


@pytest.mark.slow
def test_the_same_code_gives_the_same_zip(package: tuple[str, Path, Path], tmp_path: Path) -> None:
    # CDK names the asset by the zip's hash: a rebuild of unchanged code must not redeploy the functions.
    name, deployment, _ = package
    rebuilt = package_app(name, tmp_path)
    assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() == hashlib.sha256(deployment.read_bytes()).hexdigest()
