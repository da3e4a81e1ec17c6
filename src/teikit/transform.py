"""XSLT 3.0 on saxonche (being written; see issue 6)."""


def transform(doc, fmt, params=None):
    raise NotImplementedError
