"""The browser app and help center: private buckets behind CloudFront with origin access control, a strict CSP."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.infra.conftest import HELP_CENTER_PAGES, STAGE, VENV_NODE, Synthesized
from tests.infra.references import References


def test_both_distributions_reach_their_private_bucket_through_origin_access_control(synthesized: Synthesized) -> None:
    distributions = synthesized.resources("Web", "AWS::CloudFront::Distribution")
    controls = synthesized.resources("Web", "AWS::CloudFront::OriginAccessControl")
    assert len(distributions) == 2

    for distribution in distributions.values():
        [origin] = distribution["Properties"]["DistributionConfig"]["Origins"]
        control_id = origin["OriginAccessControlId"]["Fn::GetAtt"][0]
        control = controls[control_id]["Properties"]["OriginAccessControlConfig"]
        assert control["OriginAccessControlOriginType"] == "s3"
        assert control["SigningBehavior"] == "always"
        assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
        assert distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_buckets_are_private_and_readable_only_by_their_distribution(synthesized: Synthesized) -> None:
    buckets = synthesized.resources("Web", "AWS::S3::Bucket")
    assert len(buckets) == 2
    for bucket in buckets.values():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
    for policy in synthesized.resources("Web", "AWS::S3::BucketPolicy").values():
        reads = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
        assert reads
        for statement in reads:
            assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
            assert statement["Action"] == "s3:GetObject"
            assert "AWS:SourceArn" in statement["Condition"]["StringEquals"]


def header_policies(synthesized: Synthesized) -> dict[str, Any]:
    return {
        p["Properties"]["ResponseHeadersPolicyConfig"]["Name"]: p["Properties"]["ResponseHeadersPolicyConfig"]
        for p in synthesized.resources("Web", "AWS::CloudFront::ResponseHeadersPolicy").values()
    }


def test_the_app_sends_a_strict_content_security_policy(synthesized: Synthesized) -> None:
    headers = header_policies(synthesized)[f"{STAGE.prefix}app"]["SecurityHeadersConfig"]
    csp = References(synthesized.templates, STAGE).describe(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"], "Web")
    directives = {d.split(" ", 1)[0]: d.split(" ")[1:] for d in csp.split("; ")}

    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'", "https://js.stripe.com"]
    assert directives["object-src"] == ["'none'"]
    apis = [source for source in directives["connect-src"] if "execute-api" in source]
    assert len(apis) == 2 and all(a.startswith("https://<Api.") for a in apis)
    assert "https://api.stripe.com" in directives["connect-src"]
    assert f"https://cognito-idp.{STAGE.region}.amazonaws.com" in directives["connect-src"]
    assert not any("*" in source or "unsafe" in source for sources in directives.values() for source in sources)
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000


def site_hook() -> Any:
    """docs/hooks/site.py, which writes each help-center page's meta tag."""
    spec = importlib.util.spec_from_file_location("welt_docs_site", Path(__file__).resolve().parents[2] / "docs" / "hooks" / "site.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def directives_of(policy: str) -> dict[str, list[str]]:
    return {d.split(" ", 1)[0]: d.split(" ")[1:] for d in policy.split("; ")}


def test_the_help_center_sends_its_pages_content_security_policy_as_a_header(synthesized: Synthesized) -> None:
    headers = header_policies(synthesized)[f"{STAGE.prefix}help-center"]["SecurityHeadersConfig"]
    header = directives_of(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    site = site_hook()
    metas = [directives_of(site.content_security_policy(page)) for page in HELP_CENTER_PAGES.values()]

    assert headers["ContentSecurityPolicy"]["Override"] is True
    # The meta tags' policy, word for word, but for the scripts: the header allows every page's inline scripts.
    for meta in metas:
        assert {name: sources for name, sources in meta.items() if name != "script-src"} == {
            name: sources for name, sources in header.items() if name != "script-src"
        }
        assert len(meta["script-src"]) == 2 and set(meta["script-src"]) < set(header["script-src"])
    assert header["script-src"] == ["'self'", *sorted({meta["script-src"][1] for meta in metas})]
    assert header["object-src"] == ["'none'"]
    assert not any("unsafe" in source for source in header["script-src"])


def run_directory_index(uri: str, tmp_path: Path) -> str:
    from infra.web_stack import DIRECTORY_INDEX

    script = tmp_path / "directory_index.js"
    script.write_text(DIRECTORY_INDEX + f"\nconsole.log(handler({{request: {{uri: {json.dumps(uri)}}}}}).uri);\n")
    return subprocess.run([str(VENV_NODE), str(script)], capture_output=True, text=True, check=True, timeout=60).stdout.strip()


def test_help_center_directory_urls_serve_their_index_page(synthesized: Synthesized, tmp_path: Path) -> None:
    from infra.web_stack import DIRECTORY_INDEX

    [function] = synthesized.resources("Web", "AWS::CloudFront::Function").values()
    assert function["Properties"]["FunctionCode"] == DIRECTORY_INDEX
    associations = [
        d["Properties"]["DistributionConfig"]["DefaultCacheBehavior"].get("FunctionAssociations")
        for d in synthesized.resources("Web", "AWS::CloudFront::Distribution").values()
    ]
    assert sorted(len(a or []) for a in associations) == [0, 1]

    assert run_directory_index("/guide/checkout/", tmp_path) == "/guide/checkout/index.html"
    assert run_directory_index("/guide/checkout", tmp_path) == "/guide/checkout/index.html"
    assert run_directory_index("/assets/stylesheets/main.css", tmp_path) == "/assets/stylesheets/main.css"
    assert run_directory_index("/", tmp_path) == "/index.html"


def test_a_missing_help_center_page_shows_the_sites_own_404(synthesized: Synthesized) -> None:
    pages = [
        d["Properties"]["DistributionConfig"].get("CustomErrorResponses")
        for d in synthesized.resources("Web", "AWS::CloudFront::Distribution").values()
    ]
    [help_center] = [p for p in pages if p]
    assert {(r["ErrorCode"], r["ResponseCode"], r["ResponsePagePath"]) for r in help_center} == {
        (403, 404, "/404.html"),
        (404, 404, "/404.html"),
    }
