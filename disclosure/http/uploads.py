"""Uploads stay in memory: Werkzeug would spool a file part over 500 KiB to a temporary file.

That file is unlinked at once, so no directory listing shows it, but its blocks hold the
researcher's attachment in plaintext on disk until they are reused. The request body is
bounded by `max_request_bytes` (MAX_CONTENT_LENGTH, checked before the body is read), and
intake reads every attachment into memory anyway to encrypt it, so memory is no new cost;
writing and reading the file back was (~5 ms for a 1 MiB attachment).
"""

from __future__ import annotations

import io
from typing import IO

from flask import Request


class InMemoryUploadRequest(Request):
    """Flask's request, with every uploaded file part kept in a BytesIO."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        del total_content_length, content_type, filename, content_length
        return io.BytesIO()
