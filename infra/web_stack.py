"""The browser app and the help center: private S3 buckets behind CloudFront with origin access control."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.stage import Stage
from welt.web_policy import STRIPE_JS, content_security_policy, help_center_policy

# /guide/checkout/ and /guide/checkout serve guide/checkout/index.html, as MkDocs' directory URLs expect.
DIRECTORY_INDEX = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
  } else if (uri.split('/').pop().indexOf('.') === -1) {
    request.uri = uri + '/index.html';
  }
  return request;
}
"""


def private_bucket(scope: Construct, construct_id: str) -> s3.Bucket:
    bucket = s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    )
    NagSuppressions.add_resource_suppressions(
        bucket,
        [
            {
                "id": "AwsSolutions-S1",
                "reason": "Static files readable through CloudFront only; who fetched what is in "
                "CloudFront's metrics, and the bucket holds nothing personal.",
            },
        ],
    )
    return bucket


def security_headers(csp: str | None) -> cloudfront.ResponseSecurityHeadersBehavior:
    return cloudfront.ResponseSecurityHeadersBehavior(
        content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(content_security_policy=csp, override=True)
        if csp
        else None,
        strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
            access_control_max_age=cdk.Duration.days(365), include_subdomains=True, override=True
        ),
        content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
        frame_options=cloudfront.ResponseHeadersFrameOptions(frame_option=cloudfront.HeadersFrameOption.DENY, override=True),
        referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
            referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
        ),
    )


class WebStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: Stage,
        web_root: Path,
        help_center_root: Path,
        orders_api: str,
        payments_api: str,
        orders_origin: str,
        payments_origin: str,
        user_pool_id: str,
        client_id: str,
        artwork_origins: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cognito_origin = f"https://cognito-idp.{self.region}.amazonaws.com"
        self.app_policy = cloudfront.ResponseHeadersPolicy(
            self,
            "AppHeaders",
            response_headers_policy_name=f"{stage.prefix}app",
            security_headers_behavior=security_headers(
                content_security_policy([orders_origin, payments_origin, *artwork_origins], cognito_origin)
            ),
        )
        help_policy = cloudfront.ResponseHeadersPolicy(
            self,
            "HelpCenterHeaders",
            response_headers_policy_name=f"{stage.prefix}help-center",
            # The pages' own meta tags allow each page's inline scripts; the header, one for the whole site, every
            # page's. A browser applies both, so each page still runs only its own.
            security_headers_behavior=security_headers(
                help_center_policy(page.read_text(encoding="utf-8") for page in sorted(help_center_root.rglob("*.html")))
            ),
        )

        self.app_bucket = private_bucket(self, "AppBucket")
        self.app = self._distribution("App", self.app_bucket, self.app_policy, "Brand backoffice", functions=[])
        directory_index = cloudfront.Function(
            self,
            "DirectoryIndex",
            code=cloudfront.FunctionCode.from_inline(DIRECTORY_INDEX),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="Help center directory URLs serve their index.html",
        )
        self.help_bucket = private_bucket(self, "HelpCenterBucket")
        self.help_center = self._distribution(
            "HelpCenter",
            self.help_bucket,
            help_policy,
            "Help center",
            functions=[cloudfront.FunctionAssociation(function=directory_index, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)],
            not_found_page="/404.html",
        )

        browser_config = {
            "orders_api": orders_api,
            "payments_api": payments_api,
            "help_center": f"https://{self.help_center.distribution_domain_name}/",
            "region": self.region,
            "cognito": {"user_pool_id": user_pool_id, "client_id": client_id, "endpoint": cognito_origin},
            "stripe": {"publishable_key": stage.stripe_publishable_key, "js_url": f"{STRIPE_JS}/v3/"},
        }
        # CDK's file copier is a custom resource whose Lambda the emulator cannot run (infra/README.md); there the
        # local static servers serve both sites from the same folders.
        deployments = (
            []
            if stage.emulator
            else [
                s3deploy.BucketDeployment(
                    self,
                    "AppFiles",
                    destination_bucket=self.app_bucket,
                    distribution=self.app,
                    sources=[s3deploy.Source.asset(str(web_root)), s3deploy.Source.json_data("config.json", browser_config)],
                ),
                s3deploy.BucketDeployment(
                    self,
                    "HelpCenterFiles",
                    destination_bucket=self.help_bucket,
                    distribution=self.help_center,
                    sources=[s3deploy.Source.asset(str(help_center_root))],
                ),
            ]
        )
        for deployment in deployments:
            NagSuppressions.add_resource_suppressions(
                deployment,
                [
                    {
                        "id": "AwsSolutions-IAM5",
                        "reason": "CDK's file copier may put and delete any key of its target bucket and read its own asset objects.",
                    },
                ],
                apply_to_children=True,
            )
        NagSuppressions.add_stack_suppressions(
            self,
            [
                {
                    "id": "AwsSolutions-IAM4",
                    "reason": "Only CDK's file copier (BucketDeployment) uses the basic Lambda "
                    "execution policy; it runs at deploy time, never on a request.",
                },
                {"id": "AwsSolutions-L1", "reason": "CDK's file copier picks its own runtime."},
                {
                    "id": "AwsSolutions-IAM5",
                    "reason": "CDK's file copier (BucketDeployment) may put and delete any key of "
                    "its target bucket and read its own asset objects.",
                    "appliesTo": [{"regex": "/^Action::s3:.*$/g"}, {"regex": "/^Resource::.*\\*$/g"}],
                },
            ],
        )
        cdk.CfnOutput(self, "AppUrl", value=f"https://{self.app.distribution_domain_name}")
        cdk.CfnOutput(self, "HelpCenterUrl", value=f"https://{self.help_center.distribution_domain_name}")

    def _distribution(
        self,
        construct_id: str,
        bucket: s3.Bucket,
        policy: cloudfront.IResponseHeadersPolicy,
        comment: str,
        functions: list[cloudfront.FunctionAssociation],
        not_found_page: str | None = None,
    ) -> cloudfront.Distribution:
        # S3 answers 403 for a key that is not there (CloudFront may not list the bucket): show the site's own 404.
        not_found = (
            [
                cloudfront.ErrorResponse(
                    http_status=status, response_http_status=404, response_page_path=not_found_page, ttl=cdk.Duration.minutes(5)
                )
                for status in (403, 404)
            ]
            if not_found_page
            else None
        )
        distribution = cloudfront.Distribution(
            self,
            construct_id,
            comment=comment,
            default_root_object="index.html",
            error_responses=not_found,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=policy,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                function_associations=functions,
            ),
        )
        NagSuppressions.add_resource_suppressions(
            distribution,
            [
                {"id": "AwsSolutions-CFR1", "reason": "Brands and staff sign in from anywhere; no country is refused."},
                {"id": "AwsSolutions-CFR2", "reason": "Static files only; the APIs have their own firewall."},
                {
                    "id": "AwsSolutions-CFR3",
                    "reason": "Standard logs need an ACL-enabled bucket; the files are public "
                    "pages and CloudFront's metrics show their traffic.",
                },
                {
                    "id": "AwsSolutions-CFR4",
                    "reason": "The *.cloudfront.net default certificate's TLS policy is fixed by "
                    "CloudFront; a custom domain with its own certificate lifts it.",
                },
            ],
        )
        return distribution
