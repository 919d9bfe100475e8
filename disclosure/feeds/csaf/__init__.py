"""CSAF 2.0: the advisory document, its file name, and the trusted provider's distribution files."""

from disclosure.feeds.csaf.advisory import document_url, file_name, relative_path, render, title
from disclosure.feeds.csaf.distribution import (
    assemble_rolie,
    changes_csv,
    hashes,
    index_txt,
    provider_metadata,
    provider_metadata_url,
    rolie_entry,
    rolie_feed,
    rolie_feed_url,
)
from disclosure.feeds.csaf.products import product_id

__all__ = [
    "assemble_rolie",
    "changes_csv",
    "document_url",
    "file_name",
    "hashes",
    "index_txt",
    "product_id",
    "provider_metadata",
    "provider_metadata_url",
    "relative_path",
    "render",
    "rolie_entry",
    "rolie_feed",
    "rolie_feed_url",
    "title",
]
