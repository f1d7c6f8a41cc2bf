"""Events in, decisions re-made, partners told: the event worker, what each event re-screens,
webhooks to partners, and the transports that carry events between processes (``docs/events.md``).
"""
