"""Feed renderers: pure functions from `AdvisoryDocument` to OSV, CSAF 2.0, CVE JSON 5 and Atom."""
