"""Stamp artwork in a private S3 bucket: presigned POST forms for the browser's upload, HeadObject and a ranged
GetObject to check what arrived, presigned GET links for staff to download it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from welt.services.ports import StoredFile, UploadForm

# Enough to tell PNG, PDF and SVG apart (an SVG may open with an XML declaration and comments).
SNIFF_BYTES = 1024


class S3ArtworkBucket:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> UploadForm:
        # S3 refuses an upload that breaks any condition: another key, another type, or a bigger file.
        form = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return {"url": form["url"], "fields": dict(form["fields"])}

    def stored(self, key: str) -> StoredFile | None:
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            # Without s3:ListBucket (the role has none), S3 answers a missing key with 403, not 404.
            if error.response.get("Error", {}).get("Code") in {"403", "404", "NoSuchKey", "NotFound", "AccessDenied"}:
                return None
            raise
        size = int(head["ContentLength"])
        first = b""
        if size:
            body = self._client.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{SNIFF_BYTES - 1}")["Body"]
            first = body.read(SNIFF_BYTES)
        return StoredFile(size=size, content_type=str(head.get("ContentType", "")), head=first)

    def download_link(self, key: str, file_name: str, expires_in: int) -> str:
        # The brand's own name for the file, in plain ASCII for old clients and in full (RFC 6266) for the rest.
        plain = file_name.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
        disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name)}"
        params = {"Bucket": self._bucket, "Key": key, "ResponseContentDisposition": disposition}
        link: str = self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
        return link
