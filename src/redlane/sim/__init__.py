"""The world simulator: partner feeds in each partner's own format, plus the ground truth.

``generate_world(out, seed, parcels, days)`` writes, following ``redlane.model.spec``::

    marketplace/marketplace.jsonl        sellers, listings, takedowns (history precedes day 0)
    carrier/aed_YYYYMMDD.csv             one file per simulated day (file date = submission day)
    customs/entries_YYYYMMDD.csv         entries for that day's parcels (entry_date = arrival)
    customs/inspections_YYYYMMDD.csv     inspections of that day's parcels
    customs/ports.csv                    ports and daily inspection capacity
    rights_holders/<slug>.json           one recordations document per rights holder
    social/posts.jsonl                   posts hyping listings
    truth/*.parquet, truth/world.json    evaluation only; never a feed

Conventions the other stages rely on:

- Line numbers (``truth/injected_errors``, ``truth/resent``) are physical 1-based lines; a CSV's
  header is line 1 and no field contains a line break; a JSON Lines file's first record is 1.
- Only CSV and JSON Lines feeds get broken rows; ``ports.csv`` and the recordation documents are
  clean reference data. Natural-key fields are never broken.
- About ``resend_rate`` of a day's AED rows reappear byte-identical in the next day's file.
- ``truth/party_links`` has one row per party appearance: ``record_key`` is the hawb for
  ``aed_shipments`` (the carrier is always the configured code), the entry number, seller id,
  party id or post id otherwise. ``identity_id`` is null for consumers. A waybill written in a
  forwarder's own name links its shipper party to the forwarder; ``truth/shipments`` keeps the
  client behind the parcel.
"""

from redlane.sim.config import SCALES, SimConfig, parse_scale
from redlane.sim.world import WorldSummary, generate_world

__all__ = ["SCALES", "SimConfig", "WorldSummary", "generate_world", "parse_scale"]
