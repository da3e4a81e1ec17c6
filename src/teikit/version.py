"""teikit's version, in a module of its own so that anything may import it without
importing the whole package (the report renderers name the tool and its version)."""

__version__ = "0.1.0"
