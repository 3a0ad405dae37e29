"""Keeps the help center self-contained: example paths resolve from any directory, diagrams render offline."""

from __future__ import annotations

import os
from typing import Any

from mkdocs.utils import get_relative_url

from welt.web_policy import help_center_policy

# Served from the site itself (MIT, see mermaid.LICENSE.txt beside it). Material for MkDocs uses an
# already loaded `mermaid` instead of fetching one from a CDN, so diagrams need no network.
MERMAID_SCRIPT = "assets/javascripts/mermaid.tiny.js"


def on_config(config: Any) -> Any:
    """Snippet base paths are written relative to mkdocs.yml; make them absolute."""
    root = os.path.dirname(os.path.abspath(config.config_file_path))
    snippets = config.mdx_configs.get("pymdownx.snippets", {})
    paths = snippets.get("base_path", [])
    if isinstance(paths, str):
        paths = [paths]
    snippets["base_path"] = [path if os.path.isabs(path) else os.path.join(root, path) for path in paths]
    return config


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Each page with its diagram renderer (if it has a diagram) and its Content-Security-Policy."""
    return with_content_security_policy(with_diagram_renderer(output, page))


def on_post_template(output: str, template_name: str, config: Any) -> str:
    """The not-found page is a template, not a page: it gets its policy here."""
    return with_content_security_policy(output) if template_name == "404.html" else output


def content_security_policy(output: str) -> str:
    """The page's policy: its inline scripts allowed by their SHA-256, nothing else inline. A meta tag, so it holds
    wherever the site is served from; CloudFront sends the same policy as a header (welt.web_policy)."""
    return help_center_policy([output])


def with_content_security_policy(output: str) -> str:
    tag = f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(output)}">'
    return output.replace("<head>", f"<head>\n    {tag}", 1)


def with_diagram_renderer(output: str, page: Any) -> str:
    """Only pages with a diagram load the diagram renderer, before Material's own scripts run."""
    if 'class="mermaid"' not in output:
        return output
    source = get_relative_url(MERMAID_SCRIPT, page.url)
    tag = f'<script src="{source}"></script>\n'
    marker = '<script src="'
    at = output.find(marker, output.find("</article>"))
    if at == -1:
        return output.replace("</body>", tag + "</body>")
    return output[:at] + tag + output[at:]
