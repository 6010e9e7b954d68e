"""Load, validate and present the school's policies; see README.md for the rule of this package."""

from .errors import ContentError, ContentErrors
from .loader import Content, load_content

__all__ = ["Content", "ContentError", "ContentErrors", "load_content"]
