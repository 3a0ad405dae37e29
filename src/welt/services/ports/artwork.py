"""Where brands' stamp artwork is kept: a private bucket the browser uploads to and staff download from, each through a
short-lived signed form or link, so the file never passes through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypedDict


@dataclass(frozen=True)
class StoredFile:
    """What the bucket holds under a key: its size, the type it was uploaded as, and its first bytes."""

    size: int
    content_type: str
    head: bytes


class UploadForm(TypedDict):
    """Where the browser POSTs the file, and the signed fields it sends with it."""

    url: str
    fields: dict[str, str]


class ArtworkFiles(Protocol):
    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> UploadForm:
        """A form the browser POSTs the file with (`url` and `fields`), good for this key, type and size only."""
        ...

    def stored(self, key: str) -> StoredFile | None:
        """The file under `key`, or None when nothing was uploaded there."""
        ...

    def download_link(self, key: str, file_name: str, expires_in: int) -> str:
        """A link that downloads the file for `expires_in` seconds."""
        ...
