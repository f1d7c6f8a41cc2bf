"""Brand protection: the rights holders' way into the operation (``docs/brands.md``).

One module per job, none importing FastAPI:

``scope``       who may see and change which brand: the one place cross-brand isolation lives
``registry``    brands, trademarks (recordations), product lines, authorised parties; sync from
                the recordations feed; parties resolved to actors
``guides``      product identification guides and their images (type and size checked)
``codes``       unit authentication codes: enrolled as keyed hashes, verified as genuine /
                unknown / cloned with where each was seen
``flags``       rights holders' counterfeit flags: routing to the marketplace (intelligence) and
                customs (proposed lookouts), review, confirmation, accuracy, fast path, abuse
``known_good``  known-good supply chains and cloned-code signals applied after model scoring
``evaluate``    the simulator evaluation of known-good lists and cloned codes
"""
