"""redlane: joint counterfeit interdiction.

Partner feeds in, actors resolved, shipments targeted with reasons, cases built.
The public facade is kept small; subpackages hold one concern each.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
