"""Receivables: what each B2B customer owes (credit sales less payments) and how old it is."""
