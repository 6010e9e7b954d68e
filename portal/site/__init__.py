"""The MkDocs plugin: a thin adapter from `portal.content` to generated site pages."""
