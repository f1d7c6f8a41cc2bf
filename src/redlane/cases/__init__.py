"""Cases: investigations with targets, a status workflow, notes, evidence with a chain of
custody, signed evidence packages, actions back to partners, privacy-preserving linkage and
FollowTheMoney interop.

One module per job: ``workflow`` (statuses), ``service`` (opening and working a case),
``records`` (what a case links to in the warehouse and resolution), ``evidence`` (files and
custody), ``keys`` and ``package`` (signed exports and their verification), ``report`` (the
PDF), ``actions`` (feeds back to partners), ``pprl`` (Bloom-filter CLKs), ``ftm``
(FollowTheMoney), ``demo`` (the demo's case). Packages and partner feeds disclose records
through :mod:`redlane.policy`, the one disclosure policy of the API and the exports. See
``docs/cases.md``.
"""
