"""The public advisory feed: HTML pages, Atom, OSV, CSAF (as a trusted provider), CVE JSON 5.

Every public URL reads only what a release wrote (the listing, the revisions, the rendered
files): an unpublished advisory is not in any table these views read, so it is a 404 here
by construction, whatever the query.
"""
