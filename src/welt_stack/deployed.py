"""The deployed shape on this machine: every stack `make synth` wrote, deployed by CloudFormation into ministack.

ministack is an AWS emulator without Docker: it runs CloudFormation, the Lambda packages as local processes,
API Gateway with the Cognito authorizer, DynamoDB with streams, EventBridge Scheduler, SES and Secrets Manager,
and (AUTH=true) checks every call a function makes against the role CloudFormation gave it. The CDK CLI is not
used: its deploy goes through the bootstrap stack's roles and asset publishing, which would be emulated twice;
here the assets go to the bootstrap bucket and each template to CloudFormation, in the order of the assembly.

Usage: python -m welt_stack.deployed --cdk-out build/cdk.out --endpoint http://127.0.0.1:4566   (make deploy-local)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from welt_stack.seed import Aws

# CDK's default bootstrap: the qualifier in every asset bucket name and the version the templates check.
BOOTSTRAP_QUALIFIER = "hnb659fds"
BOOTSTRAP_VERSION = "30"
DEPLOY_WITHIN_SECONDS = 300
# ministack's account root (with AUTH=true every other key is taken for an IAM user's) and its account id.
ROOT_KEY = "test"
ACCOUNT = "000000000000"


class DeployError(RuntimeError):
    """A stack did not reach CREATE_COMPLETE / UPDATE_COMPLETE."""


@dataclass(frozen=True)
class StackArtifact:
    name: str  # the CloudFormation stack name (welt-local-data, ...)
    template: Path
    assets: Path | None
    dependencies: tuple[str, ...]  # artifact ids


def read_assembly(cdk_out: Path) -> list[StackArtifact]:
    """The stacks of a cloud assembly, each after the stacks it imports from."""
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    artifacts = manifest["artifacts"]
    stacks: dict[str, StackArtifact] = {}
    for artifact_id, artifact in artifacts.items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        asset_ids = [d for d in artifact.get("dependencies", []) if artifacts.get(d, {}).get("type") == "cdk:asset-manifest"]
        stacks[artifact_id] = StackArtifact(
            name=artifact["properties"].get("stackName", artifact_id),
            template=cdk_out / artifact["properties"]["templateFile"],
            assets=cdk_out / artifacts[asset_ids[0]]["properties"]["file"] if asset_ids else None,
            dependencies=tuple(d for d in artifact.get("dependencies", []) if d in artifacts and d not in asset_ids),
        )
    ordered: list[StackArtifact] = []
    placed: set[str] = set()

    def place(artifact_id: str) -> None:
        if artifact_id in placed:
            return
        for dependency in stacks[artifact_id].dependencies:
            if dependency in stacks:
                place(dependency)
        placed.add(artifact_id)
        ordered.append(stacks[artifact_id])

    for artifact_id in stacks:
        place(artifact_id)
    return ordered


def _substitute(text: str, account: str, region: str) -> str:
    return text.replace("${AWS::AccountId}", account).replace("${AWS::Region}", region).replace("${AWS::Partition}", "aws")


def bootstrap(aws: Aws, account: str) -> str:
    """What `cdk bootstrap` leaves that the templates use: the asset bucket and the version parameter."""
    bucket = f"cdk-{BOOTSTRAP_QUALIFIER}-assets-{account}-{aws.region}"
    s3 = aws.client("s3")
    if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region})
    aws.client("ssm").put_parameter(
        Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version", Value=BOOTSTRAP_VERSION, Type="String", Overwrite=True
    )
    return bucket


def publish_assets(aws: Aws, assets_file: Path, account: str) -> int:
    """Upload a stack's file assets (the Lambda zips) where its template points; the count uploaded."""
    manifest = json.loads(assets_file.read_text())
    s3 = aws.client("s3")
    published = 0
    for asset in manifest.get("files", {}).values():
        source = assets_file.parent / asset["source"]["path"]
        if asset["source"].get("packaging", "file") != "file" or not source.is_file():
            raise DeployError(f"{source}: only file assets are deployed here (the functions' zips), not folders")
        for destination in asset["destinations"].values():
            bucket = _substitute(destination["bucketName"], account, aws.region)
            key = _substitute(destination["objectKey"], account, aws.region)
            s3.upload_file(str(source), bucket, key)
            published += 1
    return published


def deploy_stack(aws: Aws, stack: StackArtifact, bucket: str) -> dict[str, str]:
    """Create (or update) one stack from its template and wait for it; its outputs."""
    # Through the asset bucket, as the CDK CLI does: CloudFormation takes at most 51,200 bytes inline.
    body = stack.template.read_bytes()
    key = f"templates/{stack.name}-{hashlib.sha256(body).hexdigest()}.json"
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    cloudformation = aws.client("cloudformation")
    arguments = {
        "StackName": stack.name,
        "TemplateURL": f"https://s3.{aws.region}.amazonaws.com/{bucket}/{key}",
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    }
    existing = {s["StackName"] for s in cloudformation.describe_stacks().get("Stacks", []) if s["StackStatus"] != "DELETE_COMPLETE"}
    if stack.name in existing:
        try:
            cloudformation.update_stack(**arguments)
        except cloudformation.exceptions.ClientError as error:
            if "No updates are to be performed" not in str(error):
                raise
    else:
        cloudformation.create_stack(**arguments)
    deadline = time.monotonic() + DEPLOY_WITHIN_SECONDS
    while True:
        described = cloudformation.describe_stacks(StackName=stack.name)["Stacks"][0]
        status = described["StackStatus"]
        if status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}
        if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            events = cloudformation.describe_stack_events(StackName=stack.name)["StackEvents"]
            failed = [
                f"{e['LogicalResourceId']} ({e['ResourceType']}): {e.get('ResourceStatusReason')}"
                for e in events
                if "FAILED" in e["ResourceStatus"]
            ]
            raise DeployError(f"{stack.name} ended {status}: " + "; ".join(failed[:5]))
        time.sleep(0.2)


@dataclass
class Deployment:
    """What was deployed: each stack's outputs and resources, and how long it took."""

    outputs: dict[str, dict[str, str]]  # stack name -> outputs
    resources: list[tuple[str, str, str]]  # (logical id, type, physical id) of every stack
    seconds: float

    def all(self, kind: str) -> list[str]:
        return [physical for _, resource_type, physical in self.resources if resource_type == kind]

    def only(self, kind: str) -> str:
        (physical,) = self.all(kind)
        return physical


def deploy_assembly(aws: Aws, cdk_out: Path, account: str = ACCOUNT) -> Deployment:
    """Every stack of the assembly, assets first, in dependency order."""
    started = time.monotonic()
    bucket = bootstrap(aws, account)
    outputs: dict[str, dict[str, str]] = {}
    resources: list[tuple[str, str, str]] = []
    cloudformation = aws.client("cloudformation")
    for stack in read_assembly(cdk_out):
        if stack.assets is not None:
            publish_assets(aws, stack.assets, account)
        outputs[stack.name] = deploy_stack(aws, stack, bucket)
        listed = cloudformation.list_stack_resources(StackName=stack.name)["StackResourceSummaries"]
        resources += [(r["LogicalResourceId"], r["ResourceType"], r.get("PhysicalResourceId", "")) for r in listed]
    return Deployment(outputs, resources, time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdk-out", type=Path, default=Path("build/cdk.out"))
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"))
    parser.add_argument("--region", default="eu-west-1")
    args = parser.parse_args()
    deployment = deploy_assembly(Aws(args.region, args.endpoint, access_key=ROOT_KEY), args.cdk_out)
    for stack, outputs in deployment.outputs.items():
        print(stack, json.dumps(outputs))
    print(f"deployed {len(deployment.outputs)} stacks in {deployment.seconds:.1f}s")


if __name__ == "__main__":
    main()
