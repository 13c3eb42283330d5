"""headcat: a static-site generator for a curated catalog of research papers."""

__version__ = "0.1.0"
