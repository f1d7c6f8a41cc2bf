"""KCS benchmark adapter: fraud and critical-fraud targeting on the Korea Customs Service
synthetic import declarations (``redlane kcs train | score | evaluate``)."""
