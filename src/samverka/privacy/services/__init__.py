"""Domain operations on personal data: consent records, export, erasure and retention."""

from samverka.privacy.services.consent import record_consent, text_version, withdraw_consent
from samverka.privacy.services.erase import (
    anonymise_cases,
    anonymise_registrations,
    erase_personal_data,
)
from samverka.privacy.services.export import export_personal_data
from samverka.privacy.services.retention import run_retention

__all__ = [
    "anonymise_cases",
    "anonymise_registrations",
    "erase_personal_data",
    "export_personal_data",
    "record_consent",
    "run_retention",
    "text_version",
    "withdraw_consent",
]
