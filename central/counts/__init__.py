"""Stock counts at scale (盘点): count sheets, blind counts, entry, variance review, posting, recounts."""
