"""The audit trail: who changed what, when, from where, and why (`audit_log`)."""
