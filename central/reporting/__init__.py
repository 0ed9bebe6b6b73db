"""Reports computed from the stored sales and returns."""
