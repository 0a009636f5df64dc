"""The audit trail: append-only, HMAC-sealed entries, and their verification."""
