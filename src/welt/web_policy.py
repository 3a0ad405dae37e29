"""The browser app's Content-Security-Policy, one definition for CloudFront and the local static server."""

from __future__ import annotations

from collections.abc import Sequence

STRIPE_JS = "https://js.stripe.com"
STRIPE_API = "https://api.stripe.com"
# Stripe's 3-D Secure challenge frames come from here.
STRIPE_HOOKS = "https://hooks.stripe.com"


def content_security_policy(
    api_origins: Sequence[str], cognito_origin: str, stripe_js_origin: str = STRIPE_JS, stripe_api_origin: str = STRIPE_API
) -> str:
    """Scripts from the app and Stripe.js only; calls to the two APIs, Cognito and Stripe; never framed.

    Values may be CloudFormation tokens: the policy is only ever joined, never parsed.
    """
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", stripe_js_origin],
        "connect-src": ["'self'", *api_origins, cognito_origin, stripe_api_origin],
        "frame-src": [stripe_js_origin, STRIPE_HOOKS],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())
