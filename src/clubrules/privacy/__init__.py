"""Privacy: field encryption, keys, blind indexes, masking, consent, access audit, leak notices.

The safe surface:

- `FieldCipher` seals a value for a place (record type, record id, field)
  with AES-256-GCM under a `Keyring`, opens it there, and rewraps it to a
  new primary key without handing out the plaintext.
- `CustomerKeys` gives each customer a data key wrapped by the keyring, so
  erasing a customer destroys one key (crypto-shredding).
- `PrivacyVault` is the audited door to the customer archive: every read
  names an actor, a role and a purpose, is checked against a `RolePolicy`
  and the customer's consent, and is written to an `AccessLog`.
- `BlindIndex` searches sealed phone and ID numbers by equality;
  `plan_blind_index` proposes its bit length.
- `mask_phone`, `mask_name`, `mask_id_number` and `mask_email` mask for display;
  `Sensitive` keeps plaintext out of logs, reprs and pickles.
- `ConsentRecord`, `RetentionRule` and `deletion_schedule` record consent
  and plan deletions; `LeakIncident` and `render_leak_notice` answer a leak.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.privacy._access import (
    AccessReport,
    AsyncPrivacyVault,
    Grant,
    PrivacyVault,
    RolePolicy,
    access_report,
)
from clubrules.privacy._blind_index import (
    PHONE_VALUE_SPACE,
    BlindIndex,
    BlindIndexPlan,
    IndexKind,
    plan_blind_index,
)
from clubrules.privacy._consent import (
    SENSITIVE_FIELDS,
    ConsentRecord,
    DeletionDue,
    Purpose,
    RetentionRule,
    active_consent,
    deletion_schedule,
)
from clubrules.privacy._envelope import AsyncCustomerKeys, CustomerKeys
from clubrules.privacy._events import AccessEvent
from clubrules.privacy._incident import LeakIncident, render_leak_notice
from clubrules.privacy._keyring import (
    DEFAULT_USAGE_LIMIT,
    DEFAULT_USAGE_WARNING,
    EnvKeyProvider,
    FileKeyProvider,
    Keyring,
)
from clubrules.privacy._keys import KeyStatus, KeyVersion
from clubrules.privacy._masking import mask_email, mask_id_number, mask_name, mask_phone
from clubrules.privacy._seal import (
    FieldCipher,
    sealed_from_bytes,
    sealed_from_text,
    sealed_key_id,
    sealed_to_bytes,
    sealed_to_text,
)
from clubrules.privacy._sensitive import Sensitive

__all__ = [  # noqa: RUF022 - plain sorted() order, which the public API test checks
    "AccessEvent",
    "AccessReport",
    "AsyncCustomerKeys",
    "AsyncPrivacyVault",
    "BlindIndex",
    "BlindIndexPlan",
    "ConsentRecord",
    "CustomerKeys",
    "DEFAULT_USAGE_LIMIT",
    "DEFAULT_USAGE_WARNING",
    "DeletionDue",
    "EnvKeyProvider",
    "FieldCipher",
    "FileKeyProvider",
    "Grant",
    "IndexKind",
    "KeyStatus",
    "KeyVersion",
    "Keyring",
    "LeakIncident",
    "PHONE_VALUE_SPACE",
    "PrivacyVault",
    "Purpose",
    "RetentionRule",
    "RolePolicy",
    "SENSITIVE_FIELDS",
    "Sensitive",
    "access_report",
    "active_consent",
    "deletion_schedule",
    "mask_email",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "plan_blind_index",
    "render_leak_notice",
    "sealed_from_bytes",
    "sealed_from_text",
    "sealed_key_id",
    "sealed_to_bytes",
    "sealed_to_text",
]

publish(__name__)
