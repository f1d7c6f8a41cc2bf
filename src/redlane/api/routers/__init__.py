"""The ``/v1`` routes, one module per area. Every router but ``system`` requires credentials."""
