"""Extraction components that read whole sentences and lists: named lists, posts, tables and
the programme a document is about. Each takes the lines of a document (mentions merged into
tokens) and the resolver, and returns claims."""
