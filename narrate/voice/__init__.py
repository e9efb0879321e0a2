"""Script -> Takes: voice profiles and casts, synthesis through the sentence cache, effects, and the engines.

The arrow of the flow this package implements: every sentence of a spoken Script is spoken by the voice its
role is cast to (``synthesize``), raw engine output cached (``cache``) and shaped by the profile's effects.
"""
