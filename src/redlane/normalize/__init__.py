"""Normalisers: one canonical string (or ``None``) per value, for linking records.

Every function takes any ``str`` (or ``None``), never raises, and is idempotent.
"""

from redlane.normalize.addresses import (
    ForwarderMatch,
    ForwarderRegistry,
    address,
    address_core,
    postcode,
)
from redlane.normalize.banks import bank_account, iban
from redlane.normalize.countries import country
from redlane.normalize.devices import device_id, ip_address
from redlane.normalize.emails import email
from redlane.normalize.names import (
    company_name,
    latinize,
    legal_form,
    person_name,
    split_legal_forms,
    strip_legal_form,
)
from redlane.normalize.phones import phone
from redlane.normalize.urls import handle, url

__all__ = [
    "ForwarderMatch",
    "ForwarderRegistry",
    "address",
    "address_core",
    "bank_account",
    "company_name",
    "country",
    "device_id",
    "email",
    "handle",
    "iban",
    "ip_address",
    "latinize",
    "legal_form",
    "person_name",
    "phone",
    "postcode",
    "split_legal_forms",
    "strip_legal_form",
    "url",
]
