"""Sales orders from tablets and head office: approval, split by warehouse, deliveries, returns."""
