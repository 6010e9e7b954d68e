"""Load, validate and present the school's policies; see README.md for the rule of this package."""

from .curriculum import Curriculum
from .errors import ContentError, ContentErrors
from .loader import Content, load_content, load_lessons

__all__ = ["Content", "ContentError", "ContentErrors", "Curriculum", "load_content", "load_lessons"]
