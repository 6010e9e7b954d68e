"""eSafety: a school's e-safety policies, agreements and lessons."""
