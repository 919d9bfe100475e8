"""More time on the disclosure clock: extensions, grace periods and the in-the-wild flag."""
