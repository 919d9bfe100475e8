"""Publication: advisories, review, embargo, release; `document` is the seam the feeds use."""
