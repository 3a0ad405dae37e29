"""The Content-Security-Policies of the browser app and of the help center, each one definition for CloudFront and
for where the site is built or served locally."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence

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


# The help center: scripts only from the site itself, plus inline scripts by hash (Material's few lines that set up
# the color palette and local storage); styles from the site and inline (diagrams are SVG with inline styles);
# nothing framed, posted or loaded from elsewhere.
HELP_CENTER_POLICY = (
    "default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def help_center_policy(pages: Iterable[str]) -> str:
    """The help center's policy allowing the inline scripts of `pages` (HTML) by their SHA-256 and nothing else
    inline: one page's for its meta tag (docs/hooks/site.py), every page's for CloudFront's header."""
    digests = sorted(
        {base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() for page in pages for body in INLINE_SCRIPT.findall(page)}
    )
    return HELP_CENTER_POLICY.format(hashes=" ".join(f"'sha256-{digest}'" for digest in digests))
